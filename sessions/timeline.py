"""The client's sessions and notes on their timeline."""

from clients.timeline import Entry
from practice.navigation import url_for_ids

from .models import Appointment


def session_entries(client, limit=None):
    """A session and, when written, its note. Plain rows rather than model instances: the
    client page reads the newest few dozen of these on every visit."""
    entries = []
    rows = (
        Appointment.objects.filter(client=client)
        .order_by("-start")
        .values_list(
            "public_id",
            "start",
            "status",
            "minutes_late",
            "service__name",
            "note__pk",
            "note__signed_at",
            "note__updated_at",
            "note__pain_flagged",
        )[:limit]
    )
    detail_url = url_for_ids("sessions:detail")
    for public_id, start, status, late, service, note, signed_at, updated_at, flagged in rows:
        url = detail_url(public_id)
        flags = [f"{late} min late"] if late else []
        entries.append(
            Entry(
                start, "session", service or "Session", url, Appointment.Status(status).label, flags
            )
        )
        if note is not None:
            state = "signed" if signed_at else "draft, not signed"
            note_flags = ["pain at threshold"] if flagged else []
            entries.append(
                Entry(signed_at or updated_at, "note", "Session note", url, state, note_flags)
            )
    return entries
