"""Periodic jobs of the practice app."""

import logging
import smtplib

from celery import shared_task
from celery.signals import beat_init
from django.core.mail import EmailMessage
from django_scopes import scope

from . import referrals
from .models import Heartbeat, Practice

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


@shared_task(bind=True, max_retries=4)
def send_referral_list(self, practice_id, to, note):
    """E-mail the practice's list of colleagues (PDF) to someone it cannot take on."""
    practice = Practice.objects.get(pk=practice_id)
    with scope(practice=practice):
        if not referrals.accepting_practitioners(practice).exists():
            log.warning("Referral list not sent: nobody on it is taking new clients")
            return  # everyone was marked full after it was asked for: send no empty list
        body = (note + "\n\n" if note else "") + (
            f"Attached is a list of colleagues recommended by {practice.name}."
        )
        message = EmailMessage(
            subject=f"Recommended practitioners from {practice.name}",
            body=body,
            from_email=practice.sender,
            to=[to],
            reply_to=[practice.email] if practice.email else None,
        )
        message.attach(
            "recommended-practitioners.pdf",
            referrals.referral_list_pdf(practice),
            "application/pdf",
        )
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            raise self.retry(exc=error, countdown=60 * 4**self.request.retries) from error
