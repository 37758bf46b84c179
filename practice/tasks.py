"""Periodic jobs of the practice kernel: the heartbeat the dashboard reads, backups."""

import logging

from celery import shared_task
from celery.signals import beat_init
from django.conf import settings

from . import backups
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


@shared_task(name="practice.tasks.take_backup", soft_time_limit=3600, time_limit=3900)
def take_backup():
    """The daily backup (nothing where backups are not set up: development)."""
    if not settings.BACKUP_GPG_RECIPIENT:
        log.info("Backups are off: BACKUP_GPG_RECIPIENT is not set.")
        return None
    taken = backups.take()
    log.info(
        "Backup %s taken: %s bytes in %.1f s.", taken.filename, taken.size_bytes, taken.seconds
    )
    return taken.pk
