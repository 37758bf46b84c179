"""Workflows of the follow-up engine that pages and webhooks call."""

import datetime
import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients import record
from clients.health import CONTRAINDICATION
from clients.models import Channel as ContactChannel
from clients.models import Client, hash_token
from clients.timeline import Entry
from practice import dates
from sessions import booking
from sessions.calendar import invite_for
from sessions.models import Appointment

from . import signals
from .kinds import expires, key_for
from .models import Channel, CheckIn, FollowUp, Kind, UnverifiedText
from .planning import plan, plan_text_reply, ring_after_commit
from .wording import site_url

log = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES"}
CONFIRM_WORDS = {"C", "CONFIRM"}


def checkin_for_token(token):
    return (
        CheckIn.objects.select_related("practice", "client", "appointment")
        .filter(token_hash=hash_token(token))
        .first()
    )


class CheckInClosed(Exception):
    """The check-in link takes no more answers (answered, or past its life)."""


@transaction.atomic
def record_checkin_answer(checkin, answer, comment, rating=None, now=None):
    """Keep the client's answer (and rating); a "worse" alerts the therapist once. A
    second answer inside the change window is kept as a change of mind; after that, or
    once the link has closed, nothing changes."""
    now = now or timezone.now()
    checkin = CheckIn.objects.select_for_update().select_related("appointment").get(pk=checkin.pk)
    if not checkin.is_open(now):
        raise CheckInClosed
    fields = ["answer", "comment", "rating"]
    if checkin.answered_at is None:
        checkin.answered_at = now
        fields.append("answered_at")
    else:
        checkin.first_answer, checkin.changed_at = checkin.answer, now
        fields += ["first_answer", "changed_at"]
    checkin.answer, checkin.comment, checkin.rating = answer, comment, rating
    checkin.save(update_fields=fields)
    if answer == CheckIn.Answer.WORSE and checkin.alerted_at is None:
        alert_worse(checkin)
    return checkin


def alert_worse(checkin):
    checkin.alerted_at = timezone.now()
    checkin.save(update_fields=["alerted_at"])
    signals.checkin_worse.send(sender=CheckIn, checkin=checkin)
    plan_worse_alert(checkin)


def plan_worse_alert(checkin):
    """The owners hear of a "worse" answer through the outbox, like every other message:
    kept, retried, and shown as failed with "Retry" if it cannot go."""
    now = timezone.now()
    return plan(
        checkin.practice,
        Kind.WORSE_ALERT,
        key=key_for(Kind.WORSE_ALERT, checkin=checkin.public_id),
        due_at=now,
        expires_at=expires(Kind.WORSE_ALERT, now),
        appointment=checkin.appointment,
    )


def alert_new_red_flags(sender, submission, flags, **kwargs):
    """A client's updated form raised red flags they did not have: the owners hear of it
    through the outbox before the client's next session (none booked: nothing to send,
    the flags are on the client's page)."""
    client, now = submission.client, timezone.now()
    upcoming = (
        client.appointments.filter(start__gt=now, status=Appointment.Status.BOOKED)
        .order_by("start")
        .first()
    )
    if upcoming is None:
        return None
    practice = submission.practice
    listed = "\n".join(
        f"- {flag.label}{' (may rule massage out)' if flag.level == CONTRAINDICATION else ''}"
        for flag in flags
    )
    body = (
        f"{client.full_name} updated their health form for their session on "
        f"{dates.when(upcoming.start, practice)}, and it now shows:\n\n{listed}\n\n"
        "Read their answers before the session, and call them if it should not go ahead: "
        f"{site_url(reverse('clients:detail', args=[client.public_id]))}"
    )
    return plan(
        practice,
        Kind.HEALTH_ALERT,
        key=key_for(Kind.HEALTH_ALERT, submission=submission.public_id),
        due_at=now,
        expires_at=upcoming.start,
        appointment=upcoming,
        body=body,
    )


def mark_seen(checkin, user):
    checkin.seen_at, checkin.seen_by = timezone.now(), user
    checkin.save(update_fields=["seen_at", "seen_by"])


def mark_done(followup, outcome):
    followup.done_at, followup.outcome = timezone.now(), outcome[:300]
    followup.save(update_fields=["done_at", "outcome"])


def retry(followup):
    """Put a failed follow-up back in the queue, now."""
    updated = FollowUp.objects.filter(pk=followup.pk, status=FollowUp.Status.FAILED).update(
        status=FollowUp.Status.SCHEDULED, due_at=timezone.now(), attempts=0, last_error=""
    )
    if updated:
        ring_after_commit()
    return bool(updated)


RESTORE_HELD = (
    "Held back after the restore of a backup: it was due after the backup was taken, so it "
    "may have gone out before the server was lost. Send it again only if it did not."
)


def after_restore(sender, taken_at, now=None, **kwargs):
    """Just after a restore, before anything is sent: a message due after the backup was
    taken, or being sent at that moment, may have gone out before the loss. It is not sent
    again by itself: it shows as one that could not be sent, with the reason, and the
    practice sends it again from the outbox if the client did not get it. What was due
    before the backup and not yet sent goes out as usual."""
    still_to_send = FollowUp._base_manager.filter(
        status__in=[FollowUp.Status.SCHEDULED, FollowUp.Status.SENDING],
        due_at__lte=now or timezone.now(),
    )
    if taken_at is not None:  # without the moment, everything due is held
        still_to_send = still_to_send.exclude(
            status=FollowUp.Status.SCHEDULED, due_at__lte=taken_at
        )
    held = still_to_send.update(
        status=FollowUp.Status.FAILED, last_error=RESTORE_HELD, lease_until=None, lease_token=None
    )
    log.warning("After the restore: %s messages held back for the practices to look at.", held)
    return held


# How long a message sent on purpose after its time may still wait to go out.
SEND_ANYWAY_WITHIN = datetime.timedelta(days=1)


def send_anyway(followup):
    """Send now a message that was skipped for being late, because the therapist chose to.
    Consent, quiet hours and the client's status still apply at send time."""
    if not followup.may_send_anyway:
        return False
    now = timezone.now()
    updated = FollowUp.objects.filter(pk=followup.pk, status=FollowUp.Status.SKIPPED).update(
        status=FollowUp.Status.SCHEDULED,
        due_at=now,
        expires_at=now + SEND_ANYWAY_WITHIN,
        skip_reason="",
        attempts=0,
    )
    if updated:
        ring_after_commit()
    return bool(updated)


def unsubscribe(client, channel, how):
    client.record_consent(channel, False, how)
    if client.preferred_channel == channel:
        log.info("Client %s unsubscribed from their preferred channel", client.pk)


def inbound_sms(number, text):
    """A reply by text. STOP withdraws and START restores text consent for that number; C
    confirms the session the latest text reminder was about; anything else is a to-do for
    the practice that last texted that number. Returns how many rows it changed."""
    word = text.strip().split()[0].upper().rstrip(".!") if text.strip() else ""
    if word in STOP_WORDS:
        given, how = False, f"replied {word} by text"
    elif word in START_WORDS:
        given, how = True, f"replied {word} by text"
    elif word in CONFIRM_WORDS and (reminder := reminder_to_confirm(number)):
        booking.confirm(reminder.appointment)
        return 1
    else:
        return len(text_reply_todos(number, text.strip()))
    clients = list(Client.objects.filter(mobile=number).select_related("practice"))
    for client in clients:
        client.record_consent(ContactChannel.SMS, given, how)
    return len(clients)


def sent_texts(number):
    return FollowUp.objects.filter(
        client__mobile=number,
        client__erased_at=None,
        channel=Channel.SMS,
        status=FollowUp.Status.SENT,
    ).order_by("-sent_at")


def reminder_to_confirm(number):
    """The latest text reminder to this number whose session is still to come."""
    return (
        sent_texts(number)
        .filter(
            kind=Kind.REMINDER,
            appointment__status=Appointment.Status.BOOKED,
            appointment__start__gt=timezone.now(),
        )
        .select_related("appointment")
        .first()
    )


def text_reply_todos(number, text):
    """A to-do with the client's words, for the client the latest text went to (a number
    two practices share is answered by the one the client was replying to); for each
    client with that number when we never texted it."""
    if not text:
        return []
    latest = sent_texts(number).select_related("client__practice").first()
    if latest is not None:
        clients = [latest.client]
    else:
        clients = list(
            Client.objects.filter(mobile=number, erased_at=None).select_related("practice")
        )
    now = timezone.now()
    return [plan_text_reply(client, text[:1000], now) for client in clients]


def log_unverified_text(number, reason):
    """Note that a text we could not verify came, for each practice whose client has that
    number; its words are not kept. Nothing else happens: no consent changes. A number
    nobody has is only logged."""
    clients = list(Client.objects.filter(mobile=number, erased_at=None).only("pk", "practice"))
    UnverifiedText.objects.bulk_create(
        UnverifiedText(practice_id=c.practice_id, client=c, reason=reason) for c in clients
    )
    log.warning("An inbound text could not be verified (%s); %d client(s)", reason, len(clients))
    return len(clients)


def timeline_entries(client, limit=None):
    """Messages and check-in answers on the client's timeline (plain rows: the client page
    reads the newest few dozen of each on every visit)."""
    entries = []
    messages = (
        client.followups.filter(status__in=(FollowUp.Status.SENT, FollowUp.Status.FAILED))
        .order_by("-due_at")
        .values_list("kind", "channel", "status", "delivered_at", "sent_at", "due_at")
    )
    for kind, channel, status, delivered_at, sent_at, due_at in messages[:limit]:
        state = "Delivered" if delivered_at else FollowUp.Status(status).label
        flags = ["failed"] if status == FollowUp.Status.FAILED else []
        detail = f"{Channel(channel).label} · {state}"
        entries.append(Entry(sent_at or due_at, "message", Kind(kind).label, "", detail, flags))
    checkins = (
        client.checkins.exclude(answered_at=None)
        .order_by("-answered_at")
        .values_list("answered_at", "answer", "comment", "first_answer")
    )
    for answered_at, answer, comment, first_answer in checkins[:limit]:
        flags = ["worse"] if answer == CheckIn.Answer.WORSE else []
        title = f"Check-in answer: {CheckIn.Answer(answer).label}"
        if first_answer:
            title += f" (changed from {CheckIn.Answer(first_answer).label.lower()})"
        entries.append(Entry(answered_at, "checkin", title, "", comment, flags))
    return entries


def appointment_entries(appointment):
    """Every message planned for the session, whatever became of it, for its page."""
    rows = appointment.followups.order_by("due_at", "pk").values_list(
        "kind", "channel", "status", "skip_reason", "delivered_at", "sent_at", "due_at"
    )
    entries = []
    for kind, channel, status, skip_reason, delivered_at, sent_at, due_at in rows:
        state = "Delivered" if delivered_at else FollowUp.Status(status).label
        if skip_reason:
            state = f"{state}: {skip_reason}"
        flags = ["failed"] if status == FollowUp.Status.FAILED else []
        detail = f"{Channel(channel).label} · {state}"
        entries.append(Entry(sent_at or due_at, "message", Kind(kind).label, "", detail, flags))
    return entries


# Bookkeeping of the outbox, not part of the client's record.
PRIVATE_FIELDS = ("lease_until", "lease_token", "idempotency_key", "provider_id")


def record_part(client):
    """Messages planned or sent to the client and their check-in answers, for the export."""
    messages = [
        record.plain(
            followup, exclude=("lease_until", "lease_token", "idempotency_key", "provider_id")
        )
        for followup in FollowUp.objects.filter(client=client).order_by("due_at")
    ]
    checkins = [
        record.plain(checkin, exclude=("token_hash",))
        for checkin in client.checkins.order_by("created_at")
    ]
    return record.Part("messages", {"messages": messages, "check_ins": checkins})


def booking_invite(followup):
    """The calendar file of a booking confirmation (see followups/attachments.py); none
    while the booking waits for the therapist."""
    if followup.appointment.awaiting_confirmation:
        return []
    return [("massage.ics", invite_for(followup.appointment), "text/calendar")]
