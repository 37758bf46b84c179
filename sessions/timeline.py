"""The client's sessions and notes on their timeline."""

from django.urls import reverse

from clients.timeline import Entry

from .models import Appointment


def session_entries(client, limit=None):
    entries = []
    appointments = (
        Appointment.objects.filter(client=client)
        .select_related("service", "note")
        .only(
            "public_id",
            "start",
            "status",
            "minutes_late",
            "service__name",
            "note__signed_at",
            "note__updated_at",
            "note__pain_flagged",
        )
        .order_by("-start")[:limit]
    )
    for appointment in appointments:
        url = reverse("sessions:detail", args=[appointment.public_id])
        service = appointment.service.name if appointment.service else "Session"
        flags = []
        if appointment.minutes_late:
            flags.append(f"{appointment.minutes_late} min late")
        entries.append(
            Entry(
                appointment.start, "session", service, url, appointment.get_status_display(), flags
            )
        )
        note = getattr(appointment, "note", None)
        if note is not None:
            note_flags = ["pain at threshold"] if note.pain_flagged else []
            state = "signed" if note.is_signed else "draft, not signed"
            entries.append(
                Entry(
                    note.signed_at or note.updated_at,
                    "note",
                    "Session note",
                    url,
                    state,
                    note_flags,
                )
            )
    return entries
