"""Erasing a client at their request, and purging what had to be kept, later."""

import datetime
from dataclasses import dataclass

import pgtrigger
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from complaints.models import Complaint, ComplaintStep, Incident, IncidentReport
from followups.models import CheckIn, FollowUp, UnverifiedText
from practice.models import AuditEvent
from sessions.models import Appointment, NoteAmendment, NoteArea, SessionNote

from .models import Client

ERASED_NAME = "Erased"
PERSONAL_FIELDS = {
    "first_name": ERASED_NAME,
    "last_name": "client",
    "pronouns": "",
    "date_of_birth": None,
    "email": "",
    "mobile": "",
    "address": "",
    "emergency_contact_name": "",
    "emergency_contact_phone": "",
    "email_consent": False,
    "sms_consent": False,
    "source_detail": "",
    "tags": "",
    "private_notes": "",
    "red_flags": [],
    "has_red_flags": False,
    "allergies": "",
    "undeliverable": {},
}


@dataclass
class Erased:
    """What erasing took out of the practice's day, for the therapist."""

    bookings_cancelled: int
    messages_cancelled: int


@transaction.atomic
def erase_client(client):
    """Remove personal data now; keep signed notes and incidents for the retention period.
    Future bookings are cancelled and planned messages dropped, without telling anyone
    (there is nobody left to tell); return how many of each."""
    now = timezone.now()
    bookings = Appointment.objects.filter(
        client=client, status=Appointment.Status.BOOKED, start__gt=now
    ).update(status=Appointment.Status.CANCELLED_PRACTICE, status_changed_at=now)
    planned = FollowUp.objects.filter(
        client=client, status__in=(FollowUp.Status.SCHEDULED, FollowUp.Status.SENDING)
    ).count()
    for field, value in PERSONAL_FIELDS.items():
        setattr(client, field, value)
    client.status = Client.Status.INACTIVE
    client.erased_at = timezone.now()
    client.retain_until = retention_end(client)
    client.save()
    client.intake_submissions.all().delete()
    client.intake_links.all().delete()
    client.consent_events.all().delete()
    client.referrals.all().delete()
    client.move_ons.all().delete()
    FollowUp.objects.filter(client=client).delete()
    UnverifiedText.objects.filter(client=client).delete()
    CheckIn.objects.filter(client=client).update(comment="")
    # Unsigned drafts are not records anyone may rely on: they go now.
    SessionNote.objects.filter(client=client, signed_at__isnull=True).delete()
    return Erased(bookings_cancelled=bookings, messages_cancelled=planned)


def retention_end(client):
    last = client.appointments.aggregate(last=Max("start"))["last"] or timezone.now()
    years = settings.CLINICAL_RETENTION_YEARS
    day = timezone.localtime(last).date()
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# The database refuses to change or delete signed records and the audit trail (see the
# models' triggers); this is the one path that may, once the retention period is over.
RETENTION_PURGE_MAY = (
    "treatment_sessions.SessionNote:signed_note_not_deleted",
    "treatment_sessions.NoteAmendment:amendment_unchangeable",
    "complaints.Incident:signed_incident_not_deleted",
    "complaints.IncidentReport:kept_report_not_deleted",
    "practice.AuditEvent:audit_trail_append_only",  # its rows let go of the client
)


@transaction.atomic
def purge(client):
    """Delete everything left of an erased client whose retention period is over, and say
    so in the audit trail."""
    with pgtrigger.ignore(*RETENTION_PURGE_MAY):
        delete_kept_records(client)
    AuditEvent.objects.create(
        practice=client.practice,
        action=AuditEvent.Action.CHANGE,
        what=f"purged the records of an erased client, kept until {client.retain_until}",
    )


def delete_kept_records(client):
    notes = SessionNote.objects.filter(client=client)
    NoteAmendment.objects.filter(note__in=notes).delete()
    NoteArea.objects.filter(note__in=notes).delete()
    notes.delete()
    incidents = Incident.objects.filter(client=client)
    IncidentReport.objects.filter(incident__in=incidents).delete()
    incidents.delete()
    complaints = Complaint.objects.filter(client=client)
    ComplaintStep.objects.filter(complaint__in=complaints).delete()
    complaints.delete()
    CheckIn.objects.filter(client=client).delete()
    Appointment.objects.filter(client=client).delete()
    client.delete()


def due_for_purge(today=None):
    today = today or datetime.date.today()
    return Client.objects.filter(erased_at__isnull=False, retain_until__lt=today)
