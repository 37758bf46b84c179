"""Incident reports are e-mailed through the follow-up outbox (complaints/sending.py). These
two tasks remain for what was queued before: a report still waiting without its outbox row
gets one, and then goes out like every other message."""

from celery import shared_task
from django_scopes import scope, scopes_disabled

from . import sending
from .models import IncidentReport


@shared_task
def send_report(report_id):
    """Give a waiting report its outbox row (a message queued under the old way)."""
    with scopes_disabled():
        report = IncidentReport.objects.select_related("practice").defer("pdf").get(pk=report_id)
    if report.status != IncidentReport.Status.QUEUED or report.followup_id:
        return report.status
    with scope(practice=report.practice):
        sending.send(report)
    return report.status


@shared_task
def send_waiting_reports():
    """Give every report still waiting without an outbox row its row; return how many."""
    with scopes_disabled():
        waiting = list(
            IncidentReport.objects.filter(
                status=IncidentReport.Status.QUEUED, followup__isnull=True
            ).values_list("pk", flat=True)
        )
    for pk in waiting:
        send_report(pk)
    return len(waiting)
