"""Background jobs of the top floor: e-mailing the list of colleagues."""

import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage
from django_scopes import scope

from practice.models import Practice, Practitioner

from . import colleagues

log = logging.getLogger(__name__)


# The name it was queued under before it moved here, so messages already queued still run.
@shared_task(bind=True, max_retries=4, name="practice.tasks.send_referral_list")
def send_referral_list(self, practice_id, to, note):
    """E-mail the practice's list of colleagues (PDF) to someone it cannot take on."""
    practice = Practice.objects.get(pk=practice_id)
    with scope(practice=practice):
        if not Practitioner.taking_new_clients(practice).exists():
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
            colleagues.list_pdf(practice),
            "application/pdf",
        )
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            raise self.retry(exc=error, countdown=60 * 4**self.request.retries) from error
