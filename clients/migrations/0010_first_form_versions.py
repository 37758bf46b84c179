"""Every practice's intake form as it was (the standard checklist, no questions of its
own) becomes its version 1, and every answer already given points at it."""

import uuid

from django.db import migrations

# The standard checklist as it read when forms got versions. Written out here, not read
# from clients.health: a later change to the checklist must not rewrite what was asked.
CHECKLIST = [
    ("pregnancy", "Pregnant", "caution"),
    ("blood_clots", "Blood clots (DVT) now or in the past", "contraindication"),
    ("blood_thinners", "Taking blood thinners", "caution"),
    ("recent_surgery", "Surgery in the last 6 months", "caution"),
    ("recent_injury", "Recent injury, sprain or fracture", "caution"),
    ("cancer", "Cancer, or cancer treatment now or recently", "caution"),
    ("osteoporosis", "Osteoporosis", "caution"),
    ("diabetes", "Diabetes", "caution"),
    ("neuropathy", "Numbness or loss of feeling (neuropathy)", "caution"),
    ("high_blood_pressure", "High blood pressure", "caution"),
    ("low_blood_pressure", "Low blood pressure or fainting", "caution"),
    ("heart_condition", "Heart condition", "caution"),
    ("skin_condition", "Skin condition, rash, open wound or bruising", "caution"),
    ("contagious_illness", "Fever, flu or another contagious illness now", "contraindication"),
    ("epilepsy", "Epilepsy or seizures", "caution"),
]


def first_versions(apps, schema_editor):
    Practice = apps.get_model("practice", "Practice")
    Version = apps.get_model("clients", "IntakeFormVersion")
    Submission = apps.get_model("clients", "IntakeSubmission")
    checklist = [{"key": k, "label": label, "level": level} for k, label, level in CHECKLIST]
    for practice in Practice.objects.all().iterator():
        version = Version.objects.create(
            practice=practice,
            public_id=uuid.uuid4(),
            number=1,
            questions=[],
            checklist=checklist,
            published_at=practice.created_at,
        )
        Submission.objects.filter(practice=practice).update(form_version=version)


def forget_versions(apps, schema_editor):
    apps.get_model("clients", "IntakeSubmission").objects.update(form_version=None)
    apps.get_model("clients", "IntakeFormVersion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("clients", "0009_own_questions")]

    operations = [migrations.RunPython(first_versions, forget_versions)]
