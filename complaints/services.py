"""Workflows for complaints, incidents and their reports."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Subquery
from django.urls import reverse
from django.utils import timezone

from clients import record
from clients.timeline import Entry
from followups.planning import plan_complaint_followup
from sessions.services import current_transaction

from . import reports, sending
from .models import (
    Complaint,
    ComplaintStep,
    Incident,
    IncidentAmendment,
    IncidentReport,
    sha256_json,
)

Step = ComplaintStep.Step


@transaction.atomic
def record_step(
    complaint,
    step,
    user,
    *,
    note="",
    offer="",
    offer_value=None,
    follow_up_at=None,
    outcome="",
    lessons="",
):
    """Tick one resolution step. Offers, follow-ups and closing carry their details."""
    if not complaint.is_open:
        raise ValidationError("This complaint is closed.")
    if complaint.steps.filter(step=step).exists():
        raise ValidationError("That step is already done.")
    now = timezone.now()
    if step == Step.LISTENED:
        complaint.acknowledged_at = now
    elif step == Step.OFFERED:
        if not offer:
            raise ValidationError("Say what you offered (or “nothing”).")
        complaint.offer, complaint.offer_value = offer, offer_value
    elif step == Step.FOLLOW_UP:
        if not follow_up_at:
            raise ValidationError("Choose when to follow up.")
        plan_complaint_followup(
            complaint.practice, complaint.client, complaint.public_id, follow_up_at
        )
        note = note or f"Follow-up on {timezone.localtime(follow_up_at):%d %b %Y, %H:%M}"
    elif step == Step.CLOSED:
        if not outcome.strip():
            raise ValidationError("Write the outcome before closing.")
        complaint.outcome, complaint.lessons, complaint.closed_at = outcome, lessons, now
    if complaint.acknowledged_at is None and step != Step.LISTENED:
        complaint.acknowledged_at = now  # any step is an acknowledgement
    complaint.save()
    return ComplaintStep.objects.create(
        practice=complaint.practice, complaint=complaint, step=step, by=user, note=note
    )


def open_incident_from_checkin(checkin):
    """A "worse" check-in opens a draft incident linked to that session (once)."""
    incident, created = Incident.objects.get_or_create(
        checkin=checkin,
        defaults={
            "practice": checkin.practice,
            "client": checkin.client,
            "status": Incident.Status.DRAFT,
            "reported_by": "the client, through the check-in after the session",
            "symptoms": checkin.comment,
        },
    )
    if created:
        incident.sessions.add(checkin.appointment)
    return incident


@transaction.atomic
def sign_statement(incident, membership):
    if not membership.is_owner:
        raise PermissionDenied("Only the therapist who owns the practice can sign.")
    if incident.statement_locked:
        raise ValidationError("The statement is already signed.")
    if not incident.statement.strip():
        raise ValidationError("Write the statement before signing it.")
    incident.statement_signed_at = timezone.now()
    incident.statement_signed_by = membership.user
    incident.statement_hash = sha256_json(incident.statement_content())
    incident.statement_signed_in = current_transaction()
    incident.save()


@transaction.atomic  # the change and its amendment, or neither (the database checks it)
def amend_incident(form, membership, reason):
    """Save a signed incident's form, recording each fact that changed (old and new, as
    the therapist reads them) in an amendment with the reason."""
    if not membership.is_owner:
        raise PermissionDenied("Only the therapist who owns the practice can amend.")
    incident = form.instance
    before = Incident.objects.get(pk=incident.pk)
    before_sessions = list(before.sessions.all())
    changes = [
        fact_change(
            name,
            form.fields[name].label,
            shown(name, getattr(before, name)),
            shown(name, form.cleaned_data[name]),
        )
        for name in form.changed_facts()
        if name != "sessions"
    ]
    if "sessions" in form.changed_facts():
        after = list(form.cleaned_data["sessions"])
        changes.append(fact_change("sessions", "Sessions", before_sessions, after))
    amendment = IncidentAmendment.objects.create(
        practice=incident.practice,
        incident=incident,
        by=membership.user,
        reason=reason,
        changes=changes,
        written_in=current_transaction(),
    )
    form.save()
    return amendment


def shown(name, value):
    """A choice as its label (Moderate, not moderate)."""
    return dict(Incident._meta.get_field(name).flatchoices).get(value, value)


def fact_change(name, label, old, new):
    return {
        "field": name,
        "label": str(label),
        "old_text": fact_text(old),
        "new_text": fact_text(new),
    }


def fact_text(value):
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%-d %b %Y, %H:%M}"
    if isinstance(value, list | tuple):
        return "; ".join(fact_text(item) for item in value) or "none"
    return str(value)


def make_report(incident, user, *, sent_to="", cover_message="", status):
    """Render the report now and keep the PDF exactly as rendered."""
    report = IncidentReport(
        practice=incident.practice,
        incident=incident,
        created_by=user,
        sent_to=sent_to,
        cover_message=cover_message,
        status=status,
    )
    reports.fill(report)
    report.save()
    return report


def request_report(incident, user, *, sent_to, cover_message):
    """Ask for the report to be made and e-mailed through the outbox; the page answers at
    once (the dispatcher makes the PDF before its first try)."""
    report = IncidentReport.objects.create(
        practice=incident.practice,
        incident=incident,
        created_by=user,
        sent_to=sent_to,
        cover_message=cover_message,
        status=IncidentReport.Status.QUEUED,
    )
    sending.send(report)
    return report


def complaint_entries(client, limit=None):
    """The newest complaints and their steps, in one query however many there are (a
    prefetch would add a second one only for a client who has complained)."""
    newest = client.complaints.order_by("-received_at").values("pk")[:limit]
    rows = (
        Complaint.objects.filter(pk__in=Subquery(newest))
        .order_by("-received_at", "steps__done_at")
        .values_list(
            "public_id",
            "received_at",
            "category",
            "received_via",
            "closed_at",
            "offer",
            "offer_value",
            "steps__step",
            "steps__done_at",
            "steps__note",
        )
    )
    entries, seen = [], set()
    for public_id, received, category, via, closed, offer, value, step, done_at, note in rows:
        url = reverse("complaints:detail", args=[public_id])
        if public_id not in seen:
            seen.add(public_id)
            title = f"Complaint: {Complaint.Category(category).label}"
            flags = [] if closed else ["open"]
            entries.append(
                Entry(received, "complaint", title, url, Complaint.Via(via).label, flags)
            )
        if step is None:
            continue
        detail = note
        if step == Step.OFFERED and offer:
            amount = f" ({value})" if value else ""
            detail = f"{Complaint.Offer(offer).label}{amount}. {note}".strip()
        entries.append(Entry(done_at, "complaint-step", Step(step).label, url, detail))
    return entries


def timeline_entries(client, limit=None):
    """Complaints, their steps and offers, and incidents on the client's timeline."""
    entries = complaint_entries(client, limit)
    for incident in client.incidents.order_by("-reported_at")[:limit]:
        url = reverse("complaints:incident", args=[incident.public_id])
        entries.append(
            Entry(
                incident.reported_at,
                "incident",
                "Incident",
                url,
                incident.get_status_display(),
                [incident.get_severity_display()],
            )
        )
    return entries


def record_part(client):
    """Complaints and incidents for the client's export, with every stored report PDF."""
    complaints = []
    for complaint in client.complaints.prefetch_related("steps"):
        row = record.plain(complaint)
        row["steps"] = [
            record.plain(step, exclude=("public_id",)) for step in complaint.steps.all()
        ]
        complaints.append(row)
    incidents, files = [], {}
    for incident in client.incidents.prefetch_related("reports"):
        row = record.plain(incident)
        row["reports"] = []
        for report in incident.reports.all():
            name = f"incident-reports/{report.created_at:%Y-%m-%d}-{report.sha256[:8]}.pdf"
            files[name] = bytes(report.pdf)
            row["reports"].append({**record.plain(report, exclude=("pdf",)), "file": name})
        incidents.append(row)
    return record.Part(
        "complaints_and_incidents", {"complaints": complaints, "incidents": incidents}, files
    )
