"""The incident report for the insurer, rendered to PDF with WeasyPrint."""

import hashlib

from django.utils import timezone

from clients import answers, timeline
from practice import pdf
from practice.models import Membership
from sessions.printing import note_items


def report_context(incident):
    practice = incident.practice
    sessions = list(incident.sessions.order_by("start"))
    notes = note_items(incident.sessions.all())
    in_force = answers.declarations_for(incident.client, sessions)
    therapists = Membership.objects.filter(practice=practice, role="owner").select_related("user")
    return {
        "practice": practice,
        "therapists": [m.user for m in therapists],
        "incident": incident,
        "client": incident.client,
        "notes": notes,
        # Each intake version once, with the sessions it covered; sessions with none before.
        "declarations": list({id(d): d for _, d in in_force if d}.values()),
        "undeclared": [appointment for appointment, d in in_force if d is None],
        "events": sorted(timeline.for_client(incident.client), key=lambda e: e.when),
        "generated_at": timezone.localtime(),
    }


def render_pdf(incident):
    """Return (pdf bytes, number of pages)."""
    return pdf.render("pdf/incident_report.html", report_context(incident))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def fill(report):
    """Render the incident as it stands now into `report`: the bytes, pages and SHA-256."""
    data, pages = render_pdf(report.incident)
    report.pdf, report.pages, report.sha256 = data, pages, sha256(data)
    return report
