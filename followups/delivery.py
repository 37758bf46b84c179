"""What the providers say after they accepted a message: delivered, or it bounced.

E-mail reports arrive through django-anymail's tracking webhooks (each provider's own
signature or basic-auth check, then its `tracking` signal); text reports through Twilio's
status callback. A hard bounce, a rejected address or a number that cannot take texts marks
that channel undeliverable for the client (while the address stays the same), so the next
message uses another channel they agreed to, or becomes a to-do for the therapist.
"""

import logging
import uuid

from anymail.signals import EventType
from django.utils import timezone
from django_scopes import scopes_disabled

from clients.models import Channel as ContactChannel

from .models import Channel, FollowUp

log = logging.getLogger(__name__)

# Anymail's normalised events that mean the address will never take a message.
EMAIL_UNDELIVERABLE = {EventType.BOUNCED, EventType.REJECTED}
# Twilio error codes for a number that will never take a text: unknown or invalid number,
# a landline, a recipient who blocked or opted out.
SMS_UNDELIVERABLE = {21211, 21614, 21610, 30004, 30005, 30006}


def email_event(sender=None, event=None, esp_name="", **kwargs):
    """Receiver of anymail's `tracking` signal."""
    with scopes_disabled():
        followup = followup_for_email(event)
        if followup is None:
            log.info("%s reported %s for a message we did not send", esp_name, event.event_type)
            return
        if event.event_type == EventType.DELIVERED:
            delivered(followup, event.timestamp)
        elif event.event_type in EMAIL_UNDELIVERABLE:
            reason = event.description or event.mta_response or event.reject_reason or "bounced"
            undeliverable(followup, event.recipient or followup.to, reason)
        elif event.event_type == EventType.COMPLAINED and followup.client:
            followup.client.record_consent(
                ContactChannel.EMAIL, False, "marked a message as spam (reported by the provider)"
            )


def followup_for_email(event):
    """The follow-up an e-mail report is about: by the id we gave it (metadata every
    provider echoes back), else by the provider's message id."""
    candidates = FollowUp.objects.filter(channel=Channel.EMAIL).select_related("client")
    public_id = (event.metadata or {}).get("followup")
    if public_id:
        try:
            return candidates.filter(public_id=uuid.UUID(str(public_id))).first()
        except ValueError:  # not one of ours
            return None
    if event.message_id:
        return candidates.filter(provider_id=event.message_id).first()
    return None


def sms_status(provider_id, status, error_code=None):
    """Twilio's status callback for a text we sent; return how many rows it changed."""
    if not provider_id:
        return 0
    with scopes_disabled():
        followup = (
            FollowUp.objects.filter(provider_id=provider_id, channel=Channel.SMS)
            .select_related("client")
            .first()
        )
        if followup is None:
            return 0
        if status == "delivered":
            return delivered(followup, timezone.now())
        if status not in ("failed", "undelivered"):
            return 0
        reason = f"the phone network reported it {status}" + (
            f" (error {error_code})" if error_code else ""
        )
        if error_code in SMS_UNDELIVERABLE:
            return undeliverable(followup, followup.to, reason)
        return failed(followup, reason)


def delivered(followup, when):
    return FollowUp.objects.filter(pk=followup.pk).update(delivered_at=when or timezone.now())


def failed(followup, reason):
    return FollowUp.objects.filter(pk=followup.pk).update(
        status=FollowUp.Status.FAILED, last_error=f"Not delivered: {reason}"[:1000]
    )


def undeliverable(followup, address, reason):
    """The message failed, and its address cannot be used again."""
    changed = failed(followup, reason)
    if followup.client:
        followup.client.mark_undeliverable(followup.channel, address, reason, timezone.now())
    return changed
