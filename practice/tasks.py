"""Periodic jobs of the practice app."""

import logging

from celery import shared_task

from .models import Heartbeat

log = logging.getLogger(__name__)

HEARTBEAT = "scheduler"


@shared_task
def record_heartbeat():
    """Note that the scheduler and a worker are alive; the dashboard reads it."""
    Heartbeat.beat(HEARTBEAT)
    log.info("Background jobs are running (heartbeat recorded).")
