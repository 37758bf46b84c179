"""The texts clients sign become the practice's own: every practice gets its consent to
treatment and its cancellation policy as agreements it can rewrite, every published
version keeps them as they read when its clients signed, and every submission records
which it agreed to."""

import django.db.models.deletion
import uuid
from django.db import migrations, models


# The consent as the intake form worded it until now. Written out, not imported: a later
# change to the standard wording must not rewrite what was signed.
TREATMENT = "I agree to massage treatment and will say at once if anything hurts or feels wrong."
CANCELLATIONS = (
    "Please let us know as early as you can if you need to cancel or move a session.",
    "If you arrive late, the session may be shorter so the next client is not kept waiting.",
)


def signed_texts(practice):
    cancellations = practice.cancellation_policy.strip() or CANCELLATIONS[0]
    late = practice.late_arrival_policy.strip() or CANCELLATIONS[1]
    return [
        {
            "key": "treatment",
            "title": "Consent to treatment",
            "body": TREATMENT,
            "required": True,
            "before_booking": False,
        },
        {
            "key": "cancellations",
            "title": "Cancellations and arriving late",
            "body": f"{cancellations}\n\n{late}",
            "required": True,
            "before_booking": True,
        },
    ]


def carry_over(apps, schema_editor):
    Practice = apps.get_model("practice", "Practice")
    Agreement = apps.get_model("clients", "Agreement")
    Version = apps.get_model("clients", "IntakeFormVersion")
    Submission = apps.get_model("clients", "IntakeSubmission")
    for practice in Practice.objects.all().iterator():
        texts = signed_texts(practice)
        for position, text in enumerate(texts, start=1):
            Agreement.objects.create(
                practice=practice, public_id=uuid.uuid4(), position=position, **text
            )
        Version.objects.filter(practice=practice).update(agreements=texts)
    legacy = {"treatment_consent": "treatment", "policies_accepted": "cancellations"}
    for submission in Submission.objects.all().iterator():
        answers = submission.answers
        answers["agreements"] = [key for tick, key in legacy.items() if answers.get(tick)]
        Submission.objects.filter(pk=submission.pk).update(answers=answers)


def forget(apps, schema_editor):
    Submission = apps.get_model("clients", "IntakeSubmission")
    for submission in Submission.objects.all().iterator():
        submission.answers.pop("agreements", None)
        Submission.objects.filter(pk=submission.pk).update(answers=submission.answers)


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0010_first_form_versions'),
    ]

    operations = [
        migrations.AddField(
            model_name='intakeformversion',
            name='agreements',
            field=models.JSONField(default=list),
        ),
        migrations.CreateModel(
            name='Agreement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('key', models.CharField(editable=False, max_length=24)),
                ('position', models.PositiveIntegerField(default=0)),
                ('title', models.CharField(max_length=120)),
                ('body', models.TextField(max_length=6000, verbose_name='text')),
                ('required', models.BooleanField(default=True, help_text='Leave unticked for something a client may decline, such as photos.', verbose_name='the client must agree to send the form')),
                ('before_booking', models.BooleanField(default=False, help_text='For a policy clients should read before they choose a time.', verbose_name='shown before booking online')),
                ('practice', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='practice.practice')),
            ],
            options={
                'ordering': ['position', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('practice', 'key'), name='one_agreement_per_key')],
            },
        ),
        migrations.RunPython(carry_over, forget),
    ]
