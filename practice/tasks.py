"""Periodic jobs of the practice kernel: the heartbeat the dashboard reads."""

import logging

from celery import shared_task
from celery.signals import beat_init

from .models import Heartbeat

log = logging.getLogger(__name__)

HEARTBEAT = "scheduler"


@shared_task
def record_heartbeat():
    """Note that the scheduler and a worker are alive; the dashboard reads it."""
    Heartbeat.beat(HEARTBEAT)
    log.info("Background jobs are running (heartbeat recorded).")


@beat_init.connect
def send_first_heartbeat(sender=None, **kwargs):
    """Beat's schedule first fires a minute after start; don't show a false alarm till then."""
    record_heartbeat.delay()
