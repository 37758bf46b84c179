"""The incident report for the insurer, rendered to PDF with WeasyPrint."""

import hashlib

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from clients import timeline
from practice.models import Membership
from sessions.body import figures
from sessions.models import NoteArea, SessionNote


def report_context(incident):
    practice = incident.practice
    sessions = list(
        incident.sessions.select_related("service")
        .prefetch_related(
            Prefetch(
                "note",
                queryset=SessionNote.objects.select_related("signed_by").prefetch_related(
                    Prefetch("areas", queryset=NoteArea.objects.order_by("pk")),
                    "techniques",
                    "amendments__by",
                ),
            )
        )
        .order_by("start")
    )
    notes = []
    for appointment in sessions:
        note = getattr(appointment, "note", None)
        if note is None:
            notes.append({"appointment": appointment, "note": None})
            continue
        chosen = [(a.region, a.side, a.aspect) for a in note.areas.all()]
        notes.append(
            {
                "appointment": appointment,
                "note": note,
                "verifies": note.verify(),
                "figures": figures(chosen),
            }
        )
    therapists = Membership.objects.filter(practice=practice, role="owner").select_related("user")
    return {
        "practice": practice,
        "therapists": [m.user for m in therapists],
        "incident": incident,
        "client": incident.client,
        "notes": notes,
        "events": sorted(timeline.for_client(incident.client), key=lambda e: e.when),
        "generated_at": timezone.localtime(),
    }


def render_pdf(incident):
    """Return (pdf bytes, number of pages)."""
    html = render_to_string("pdf/incident_report.html", report_context(incident))
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return document.write_pdf(), len(document.pages)


def sha256(data):
    return hashlib.sha256(data).hexdigest()
