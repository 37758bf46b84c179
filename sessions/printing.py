"""Session notes on paper: the note block of the incident report and the client's record."""

from django.db.models import Prefetch
from django.utils import timezone

from clients.record import Part, plain
from practice import pdf

from .body import printed_map
from .models import Appointment, NoteArea, SessionNote


def note_items(appointments):
    """One dict per appointment for templates/pdf/_session_note.html (fixed queries)."""
    appointments = appointments.select_related("service").prefetch_related(
        Prefetch(
            "note",
            queryset=SessionNote.objects.select_related("signed_by").prefetch_related(
                Prefetch("areas", queryset=NoteArea.objects.order_by("pk")),
                "techniques",
                "amendments__by",
            ),
        )
    )
    items = []
    for appointment in appointments.order_by("start"):
        note = getattr(appointment, "note", None)
        if note is None:
            items.append({"appointment": appointment, "note": None})
            continue
        chosen = [(a.region, a.side, a.aspect) for a in note.areas.all()]
        items.append(
            {
                "appointment": appointment,
                "note": note,
                "verifies": note.verify(),
                "body_map": printed_map(chosen),
            }
        )
    return items


def client_notes_pdf(client):
    """Every note written for a client, oldest first; None when there are none."""
    with_notes = Appointment.objects.filter(client=client, note__isnull=False)
    items = note_items(with_notes)
    if not items:
        return None
    context = {
        "practice": client.practice,
        "client": client,
        "notes": items,
        "generated_at": timezone.localtime(),
    }
    return pdf.render("pdf/session_notes.html", context)[0]


def record_part(client):
    """Sessions and notes for the client's export: data, plus the notes as printed."""
    appointments = (
        Appointment.objects.filter(client=client)
        .select_related("service", "note__signed_by")
        .prefetch_related("note__areas", "note__techniques", "note__amendments__by")
        .order_by("start")
    )
    sessions = []
    for appointment in appointments:
        row = plain(appointment)
        row["service"] = appointment.service.name if appointment.service else ""
        note = getattr(appointment, "note", None)
        if note is not None:
            row["note"] = plain(note, exclude=("signed_content",))
            row["note"]["signed_by"] = note.signed_by.email if note.signed_by else None
            row["note"]["techniques"] = [t.name for t in note.techniques.all()]
            row["note"]["areas"] = [
                plain(area, exclude=("public_id",)) for area in note.areas.all()
            ]
            row["note"]["amendments"] = [
                {**plain(amendment, exclude=("public_id",)), "by": amendment.by.email}
                for amendment in note.amendments.all()
            ]
        sessions.append(row)
    notes = client_notes_pdf(client)
    return Part("sessions", sessions, {"session-notes.pdf": notes} if notes else {})
