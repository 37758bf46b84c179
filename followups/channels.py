"""How a follow-up reaches someone. One small class per channel, one interface:
`send(followup) -> provider id`, raising ChannelError(message, permanent=...)."""

import logging
import smtplib
from email.utils import formatdate
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.module_loading import import_string

from . import attachments
from .kinds import KINDS, Kind
from .models import Channel
from .wording import unsubscribe_url

log = logging.getLogger(__name__)


class ChannelError(Exception):
    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


class EmailChannel:
    """Plain text and HTML through Django's e-mail API, with one-click unsubscribe."""

    def recipients(self, followup):
        if followup.invitation_id:  # to someone invited to join
            return [followup.invitation.email]
        if KINDS[followup.kind].to_given_address:
            return [followup.to]
        if followup.kind in (Kind.WORSE_ALERT, Kind.HEALTH_ALERT):  # every owner, at once
            return followup.practice.owner_emails() or [followup.practice.email]
        if followup.client is None:  # a message to the practice itself
            return [followup.practice.contact_email()]
        return [followup.client.email]

    def address(self, followup):
        return ", ".join(address for address in self.recipients(followup) if address)

    def send(self, followup):
        to = [address for address in self.recipients(followup) if address]
        if not to:
            raise ChannelError("No e-mail address.", permanent=True)
        headers = {"Message-ID": f"<{followup.idempotency_key.replace(':', '.')}@followups>"}
        if followup.rendered_at:  # every try of one message is the same message
            headers["Date"] = formatdate(followup.rendered_at.timestamp(), localtime=False)
        unsubscribe = None
        if followup.client is not None:
            unsubscribe = unsubscribe_url(followup.client, Channel.EMAIL)
            headers["List-Unsubscribe"] = f"<{unsubscribe}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        context = {"followup": followup, "body": followup.body, "unsubscribe_url": unsubscribe}
        message = EmailMultiAlternatives(
            subject=followup.subject,
            # As written: no trailing blank lines (an insurer gets the covering note exactly).
            body=render_to_string("emails/followup-body-text.txt", context).strip(),
            from_email=followup.practice.sender,
            to=to,
            reply_to=reply_to(followup),
            headers=headers,
        )
        message.attach_alternative(
            render_to_string("emails/followup-body-html.html", context), "text/html"
        )
        for name, content, mimetype in attachments.for_followup(followup):
            message.attach(name, content, mimetype)
        # Through django-anymail the provider echoes this back in its delivery reports.
        message.metadata = {"followup": str(followup.public_id)}
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise ChannelError(f"The address was refused: {error}", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise ChannelError(f"The mail server did not take it: {error}") from error
        status = getattr(message, "anymail_status", None)  # the provider's own id, if any
        if status is not None and status.message_id is not None:
            return str(status.message_id)
        return headers["Message-ID"]


def reply_to(followup):
    """Replies go to the practice's address (set from its owner's when it is made), except
    on what is sent to the practice itself. No query here: a send touches no database."""
    if KINDS[followup.kind].to_practice:
        return None
    return [followup.practice.email] if followup.practice.email else None


class SmsChannel:
    """Text messages through the backend named by settings.SMS_BACKEND."""

    def send(self, followup):
        number = address(followup)
        if not number:
            raise ChannelError("No mobile number.", permanent=True)
        backend = import_string(settings.SMS_BACKEND)()
        return backend.send(number, followup.body)


def address(followup):
    """The number a text goes to: the one typed where the kind says so, else the client's."""
    if KINDS[followup.kind].to_given_address:
        return followup.to
    return followup.client.mobile if followup.client else ""


class ConsoleSmsBackend:
    """Development: texts are written to the log and appended to var/sms.log."""

    def send(self, number, text):
        log.info("Text to %s:\n%s", number, text)
        path = Path(settings.SMS_FILE)
        with path.open("a", encoding="utf-8") as file:
            file.write(f"To: {number}\n{text}\n---\n")
        return f"console-{abs(hash((number, text)))}"


class TwilioSmsBackend:
    # Twilio error codes that no retry will fix (invalid or unreachable numbers).
    PERMANENT_CODES = {21211, 21214, 21408, 21610, 21612, 21614}

    def send(self, number, text):
        # Imported here so that installations without Twilio never load its SDK.
        from twilio.base.exceptions import TwilioException, TwilioRestException
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=settings.SEND_TIMEOUT_SECONDS),
        )
        try:
            message = client.messages.create(
                to=number,
                from_=settings.TWILIO_FROM,
                body=text,
                status_callback=settings.SITE_URL.rstrip("/") + reverse("followups:sms_status"),
            )
        except TwilioRestException as error:
            permanent = error.code in self.PERMANENT_CODES
            raise ChannelError(f"Twilio refused it: {error.msg}", permanent=permanent) from error
        except TwilioException as error:
            raise ChannelError(f"Twilio could not be reached: {error}") from error
        return message.sid


class TaskChannel:
    """Calls and letters: the follow-up becomes an item on the therapist's to-do list."""

    def send(self, followup):
        return "to-do"


CHANNELS = {
    Channel.EMAIL: EmailChannel(),
    Channel.SMS: SmsChannel(),
    Channel.TASK: TaskChannel(),
}
