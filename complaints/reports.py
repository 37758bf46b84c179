"""The incident report for the insurer, rendered to PDF with WeasyPrint."""

import hashlib

from django.utils import timezone

from clients import timeline
from practice import pdf
from practice.models import Membership
from sessions.printing import note_items


def report_context(incident):
    practice = incident.practice
    notes = note_items(incident.sessions.all())
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
    return pdf.render("pdf/incident_report.html", report_context(incident))


def sha256(data):
    return hashlib.sha256(data).hexdigest()
