"""Sending incident reports to insurers."""

import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from . import reports
from .models import Incident, IncidentReport

log = logging.getLogger(__name__)
MAX_TRIES = 5


@shared_task(bind=True, max_retries=MAX_TRIES - 1)
def send_report(self, report_id):
    """E-mail a stored report to the insurer; retry with back-off, then show it failed."""
    with scopes_disabled():
        report = IncidentReport.objects.select_related("incident", "practice").get(pk=report_id)
    if report.status != IncidentReport.Status.QUEUED:
        return report.status
    with scope(practice=report.practice):
        IncidentReport.objects.filter(pk=report.pk).update(attempts=F("attempts") + 1)
        if not report.sha256:
            made = render_once(report)
            if made != IncidentReport.Status.QUEUED:
                return made
        try:
            email_report(report)
        except (smtplib.SMTPException, OSError) as error:
            IncidentReport.objects.filter(pk=report.pk).update(last_error=str(error))
            if self.request.retries >= self.max_retries:
                IncidentReport.objects.filter(pk=report.pk).update(
                    status=IncidentReport.Status.FAILED
                )
                log.warning("Report %s could not be sent: %s", report.pk, error)
                return IncidentReport.Status.FAILED
            raise self.retry(exc=error, countdown=60 * 4**self.request.retries) from error
        IncidentReport.objects.filter(pk=report.pk).update(
            status=IncidentReport.Status.SENT, sent_at=timezone.now(), last_error=""
        )
        Incident.objects.filter(pk=report.incident_id).update(
            status=Incident.Status.REPORTED, insurer_notified_on=timezone.localdate()
        )
    return IncidentReport.Status.SENT


def render_once(report):
    """Make the PDF and keep it before the first try, so every retry sends the same bytes
    and what is stored is what the insurer got. A report that cannot be made fails at once,
    with the reason shown and "Send again"."""
    try:
        reports.fill(report)
    except Exception as error:  # a bug or bad data: show it, never retry it forever
        log.exception("Report %s could not be made", report.pk)
        IncidentReport.objects.filter(pk=report.pk).update(
            status=IncidentReport.Status.FAILED,
            last_error=f"The report could not be made: {error.__class__.__name__}",
        )
        return IncidentReport.Status.FAILED
    kept = IncidentReport.objects.filter(pk=report.pk, sha256="").update(
        pdf=report.pdf, pages=report.pages, sha256=report.sha256
    )
    if not kept:  # another worker made it first: send the copy that is stored
        report.refresh_from_db(fields=["pdf", "pages", "sha256"])
    return IncidentReport.Status.QUEUED


@shared_task
def send_waiting_reports():
    """Queue again any report still waiting after a few minutes (a lost ring, a dead worker)."""
    cutoff = timezone.now() - timezone.timedelta(minutes=5)
    with scopes_disabled():
        waiting = list(
            IncidentReport.objects.filter(
                status=IncidentReport.Status.QUEUED, created_at__lt=cutoff
            ).values_list("pk", flat=True)
        )
    for pk in waiting:
        queue(pk)
    return len(waiting)


def queue(report_id):
    """Hand a report to a worker; if the broker is down, the periodic sweep will."""
    try:
        send_report.delay(report_id)
    except Exception as error:  # the broker is unreachable: the row waits in the database
        log.warning("Could not queue report %s (%s); it will be retried.", report_id, error)


def email_report(report):
    practice = report.practice
    message = EmailMessage(
        subject=f"Incident report from {practice.name}"
        + (
            f", policy {practice.insurance_policy_number}"
            if practice.insurance_policy_number
            else ""
        ),
        body=report.cover_message,
        from_email=practice.sender,
        to=[report.sent_to],
        reply_to=[practice.email] if practice.email else None,
    )
    name = f"incident-report-{report.incident.reported_at:%Y-%m-%d}.pdf"
    message.attach(name, bytes(report.pdf), "application/pdf")
    message.send()
