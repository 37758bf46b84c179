"""Give practices created before sessions existed the starting services and techniques."""

import uuid

from django.db import migrations

from sessions.services import DEFAULT_SERVICES, DEFAULT_TECHNIQUES


def add_defaults(apps, schema_editor):
    Practice = apps.get_model("practice", "Practice")
    Service = apps.get_model("treatment_sessions", "Service")
    Technique = apps.get_model("treatment_sessions", "Technique")
    for practice in Practice.objects.all():
        if not Service.objects.filter(practice=practice).exists():
            for name, minutes, price in DEFAULT_SERVICES:
                Service.objects.create(
                    practice=practice, public_id=uuid.uuid4(), name=name,
                    duration_minutes=minutes, price=price,
                )
        if not Technique.objects.filter(practice=practice).exists():
            for name in DEFAULT_TECHNIQUES:
                Technique.objects.create(practice=practice, public_id=uuid.uuid4(), name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_practice_country_practice_is_full"),
        ("treatment_sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
