"""The sessions part of erasing a client (see clients/erasure.py)."""

from django.utils import timezone

from clients.erasure import Eraser

from .models import (
    Appointment,
    BookingHold,
    BookingLink,
    NoteAmendment,
    NoteArea,
    SessionNote,
    WaitlistEntry,
)


def erase(client):
    """Cancel future bookings without telling anyone; drop unsigned drafts (nobody may rely
    on them). Signed notes are kept for the retention period."""
    now = timezone.now()
    cancelled = Appointment.objects.filter(
        client=client, status=Appointment.Status.BOOKED, start__gt=now
    ).update(status=Appointment.Status.CANCELLED_PRACTICE, status_changed_at=now)
    SessionNote.objects.filter(client=client, signed_at__isnull=True).delete()
    BookingLink.objects.filter(client=client).delete()  # their links stop working
    BookingHold.objects.filter(appointment__client=client).delete()
    WaitlistEntry.objects.filter(client=client).delete()
    return {"bookings_cancelled": cancelled}


def purge(client):
    notes = SessionNote.objects.filter(client=client)
    NoteAmendment.objects.filter(note__in=notes).delete()
    NoteArea.objects.filter(note__in=notes).delete()
    notes.delete()
    Appointment.objects.filter(client=client).delete()


ERASER = Eraser(
    name="sessions",
    models=(
        "treatment_sessions.Appointment",
        "treatment_sessions.SessionNote",
        "treatment_sessions.NoteArea",
        "treatment_sessions.NoteTechnique",  # goes with its note
        "treatment_sessions.NoteAmendment",
        "treatment_sessions.BookingLink",
        "treatment_sessions.BookingHold",
        "treatment_sessions.WaitlistEntry",
    ),
    erase=erase,
    purge=purge,
    purge_order=30,  # after check-ins and incidents, which refer to sessions
    triggers=(
        "treatment_sessions.SessionNote:signed_note_not_deleted",
        "treatment_sessions.NoteAmendment:amendment_unchangeable",
    ),
)
