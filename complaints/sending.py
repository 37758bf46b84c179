"""E-mailing an incident report to the insurer through the follow-up outbox, like every
other message: the report is kept here byte for byte; its e-mail is an outbox row that the
dispatcher sends, retries with back-off and shows as failed with "Retry" (the incident page
says "Send again"). The PDF is made once, before the first try, so every retry sends the
same copy and what is kept is what the insurer got."""

import logging

from django.utils import timezone

from followups.channels import ChannelError
from followups.kinds import Kind, expires, key_for
from followups.models import FollowUp
from followups.planning import plan
from followups.services import retry

from . import reports
from .models import Incident, IncidentReport

log = logging.getLogger(__name__)


def send(report):
    """Plan the e-mail of a report (once); return its outbox row."""
    now = timezone.now()
    followup = plan(
        report.practice,
        Kind.INSURER_REPORT,
        key=key_for(Kind.INSURER_REPORT, report=report.public_id),
        due_at=now,
        expires_at=expires(Kind.INSURER_REPORT, now),
        body=report.cover_message,
        to=report.sent_to,
    )
    IncidentReport.objects.filter(pk=report.pk).update(followup=followup)
    report.followup = followup
    return followup


def send_again(report):
    """A report that could not be sent goes back in the queue."""
    IncidentReport.objects.filter(pk=report.pk, status=IncidentReport.Status.FAILED).update(
        status=IncidentReport.Status.QUEUED, last_error=""
    )
    if report.followup_id is None:
        return send(report)
    return retry(report.followup)


def attachment(followup):
    """The report's PDF for its e-mail, made and kept before the first try."""
    report = IncidentReport.objects.select_related("incident").get(followup=followup)
    if not report.sha256:
        made_once(report)
    name = f"incident-report-{report.incident.reported_at:%Y-%m-%d}.pdf"
    return [(name, bytes(report.pdf), "application/pdf")]


def made_once(report):
    """Make the PDF and keep it; a report that cannot be made fails at once, with the
    reason, and is never retried forever."""
    try:
        reports.fill(report)
    except Exception as error:  # a bug or bad data: show it
        log.exception("Report %s could not be made", report.pk)
        reason = f"The report could not be made: {error.__class__.__name__}"
        raise ChannelError(reason, permanent=True) from error
    kept = IncidentReport.objects.filter(pk=report.pk, sha256="").update(
        pdf=report.pdf, pages=report.pages, sha256=report.sha256
    )
    if not kept:  # another worker made it first: send the copy that is stored
        report.refresh_from_db(fields=["pdf", "pages", "sha256"])


def follow(sender, followup, status, fields, **kwargs):
    """Keep the report's own record of its e-mail in step with the outbox row."""
    if followup.kind != Kind.INSURER_REPORT:
        return
    reports_of = IncidentReport.objects.filter(followup_id=followup.pk)
    error = fields.get("last_error", "")
    if status == FollowUp.Status.SENT:
        reports_of.update(
            status=IncidentReport.Status.SENT,
            sent_at=timezone.now(),
            last_error="",
            attempts=followup.attempts,
        )
        Incident.objects.filter(reports__followup_id=followup.pk).update(
            status=Incident.Status.REPORTED, insurer_notified_on=timezone.localdate()
        )
    elif status == FollowUp.Status.FAILED:
        reports_of.update(
            status=IncidentReport.Status.FAILED, last_error=error, attempts=followup.attempts
        )
    else:  # tried, and it will try again
        reports_of.update(last_error=error, attempts=followup.attempts)
