"""Practices made before replies went to the practice's address take their first owner's."""

from django.db import migrations, models


def fill_email(apps, schema_editor):
    Practice = apps.get_model("practice", "Practice")
    Membership = apps.get_model("practice", "Membership")
    for practice in Practice.objects.filter(email=""):
        owner = (
            Membership.objects.filter(practice=practice, role="owner")
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if owner and owner.user.email:
            Practice.objects.filter(pk=practice.pk).update(email=owner.user.email)


class Migration(migrations.Migration):
    dependencies = [("practice", "0008_evidence_triggers")]

    operations = [
        migrations.RunPython(fill_email, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="practice",
            name="email",
            field=models.EmailField(
                blank=True,
                help_text="Clients' replies to the practice's e-mails go here.",
                max_length=254,
                verbose_name="e-mail",
            ),
        ),
    ]
