"""Celery tasks of the follow-up engine. The broker only rings the bell: the rows are in
the database, and the minute tick finds them even if a ring was lost. (Daily planning is a
task of followups/planning.py.)"""

import logging

from celery import shared_task

from . import dispatch

log = logging.getLogger(__name__)


@shared_task
def dispatch_due():
    """Send every follow-up that is due (every minute, and when rung)."""
    sent = dispatch.dispatch()
    if sent:
        log.info("Sent %s follow-up(s).", sent)
    return sent


def ring():
    """Ask a worker to dispatch now. If the broker is down, the minute tick will do it."""
    try:
        dispatch_due.delay()
    except Exception as error:  # the broker is unreachable: the rows wait in the database
        log.warning("Could not reach the broker (%s); the next tick will send.", error)
