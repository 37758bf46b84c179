"""Fill in the busy time of existing sessions, then (on PostgreSQL) let the database refuse
two uncancelled sessions of one therapist whose busy times overlap.

The constraint is written here rather than in the model's Meta because the development
database (SQLite) has no exclusion constraints; there the booking code's check in a
transaction is the only guard.
"""

import datetime

from django.db import migrations

CANCELLED = ("cancelled_client", "cancelled_practice", "late_cancellation")
NAME = "appointment_therapist_not_double_booked"


def fill_busy(apps, schema_editor):
    Appointment = apps.get_model("treatment_sessions", "Appointment")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE treatment_sessions_appointment SET busy_from = start, "
            "busy_until = start + make_interval(mins => duration_minutes)"
        )
        return
    batch = []
    for appointment in Appointment.objects.only("start", "duration_minutes").iterator():
        appointment.busy_from = appointment.start
        appointment.busy_until = appointment.start + datetime.timedelta(
            minutes=appointment.duration_minutes
        )
        batch.append(appointment)
    Appointment.objects.bulk_update(batch, ["busy_from", "busy_until"], batch_size=500)


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    cancelled = ", ".join(f"'{status}'" for status in CANCELLED)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE treatment_sessions_appointment ADD CONSTRAINT {NAME} "
        "EXCLUDE USING gist (therapist_id WITH =, tstzrange(busy_from, busy_until) WITH &&) "
        f"WHERE (therapist_id IS NOT NULL AND status NOT IN ({cancelled}))"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE treatment_sessions_appointment DROP CONSTRAINT IF EXISTS {NAME}"
        )


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0007_booking")]

    operations = [
        migrations.RunPython(fill_busy, migrations.RunPython.noop),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
