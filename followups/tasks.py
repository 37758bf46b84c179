"""Celery tasks of the follow-up engine. The broker only rings the bell: the rows are in
the database, and the minute tick finds them even if a ring was lost."""

import logging

from celery import shared_task
from django_scopes import scope, scopes_disabled

from practice.models import Practice

from . import dispatch, planning

log = logging.getLogger(__name__)


@shared_task
def dispatch_due():
    """Send every follow-up that is due (every minute, and when rung)."""
    sent = dispatch.dispatch()
    if sent:
        log.info("Sent %s follow-up(s).", sent)
    return sent


@shared_task
def plan_daily():
    """Plan win-back messages for lapsed clients and insurance reminders, every practice."""
    with scopes_disabled():
        practices = list(Practice.objects.all())
    for practice in practices:
        with scope(practice=practice):
            planning.plan_lapsed(practice)
            planning.plan_insurance(practice)


def ring():
    """Ask a worker to dispatch now. If the broker is down, the minute tick will do it."""
    try:
        dispatch_due.delay()
    except Exception as error:  # the broker is unreachable: the rows wait in the database
        log.warning("Could not reach the broker (%s); the next tick will send.", error)
