"""Every follow-up gets the moment past which it is no longer sent.

Rows still to send get the limit their kind has from now on (followups.planning.TOO_LATE);
rows already finished get one a day after they were due, which nothing reads any more.
"""

import datetime
import zoneinfo

from django.db import migrations, models
from django.db.models import F

DAY = datetime.timedelta(days=1)
AFTER_DUE = {
    "checkin": 1,
    "thank_you": 3,
    "cancellation": 2,
    "lapsed": 3,
    "complaint": 3,
    "intake_link": 3,
}


def limit_for(followup):
    appointment = followup.appointment
    if followup.kind == "reminder" and appointment:
        return appointment.start
    if followup.kind == "move_on":
        return followup.due_at + 7 * DAY
    ends = followup.practice.insurance_expires_on
    if followup.kind == "insurance" and ends:
        zone = zoneinfo.ZoneInfo(followup.practice.time_zone)
        return datetime.datetime.combine(ends, datetime.time.min, tzinfo=zone)
    return followup.due_at + AFTER_DUE.get(followup.kind, 2) * DAY


def backfill(apps, schema_editor):
    FollowUp = apps.get_model("followups", "FollowUp")
    to_send = FollowUp.objects.filter(status__in=["scheduled", "sending"])
    for followup in to_send.select_related("appointment", "practice").iterator():
        FollowUp.objects.filter(pk=followup.pk).update(expires_at=limit_for(followup))
    FollowUp.objects.filter(expires_at=None).update(expires_at=F("due_at") + DAY)


class Migration(migrations.Migration):
    dependencies = [("followups", "0007_fewer_indexes")]

    operations = [
        migrations.AddField(
            model_name="followup", name="expires_at", field=models.DateTimeField(null=True)
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="followup", name="expires_at", field=models.DateTimeField()
        ),
    ]
