"""The dispatcher: claim due rows, check the rules, render, send, record.

The database is the source of truth. A row is claimed by moving it to "sending" with a
lease; only the claimer may finish it. A worker that dies leaves the row to be claimed
again when the lease runs out. On PostgreSQL concurrent claimers skip each other's locked
rows (select_for_update(skip_locked=True)); on SQLite writes are serialised anyway.

Each row's outcome (sent, failed, retry at) is written the moment the channel answers, in
one statement, because that is what stops a message going out twice. The log of tries
(Attempt rows, for the admin) is written once per batch, in one insert: a worker killed
mid-batch loses those log lines, never an outcome.
"""

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import Client
from sessions.models import Appointment

from . import messages
from .channels import CHANNELS, ChannelError
from .models import URGENT_KINDS, Attempt, Channel, FollowUp, Kind
from .planning import choose_channel, rule_for, too_late_reason

log = logging.getLogger(__name__)
Status = FollowUp.Status
BATCH = 100


def claim(now=None, limit=BATCH):
    """Move up to `limit` due rows (or rows whose lease ran out) to "sending"; return ids."""
    now = now or timezone.now()
    due = Q(status=Status.SCHEDULED, due_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )
    with scopes_disabled(), transaction.atomic():
        queryset = FollowUp.objects.filter(due).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        ids = list(queryset.values_list("pk", flat=True)[:limit])
        lease = now + datetime.timedelta(seconds=settings.FOLLOWUP_LEASE_SECONDS)
        FollowUp.objects.filter(pk__in=ids).update(
            status=Status.SENDING, lease_until=lease, attempts=F("attempts") + 1
        )
    return ids


def dispatch(now=None, time_budget=50.0, batch=BATCH):
    """Send everything due, batch by batch, for up to `time_budget` seconds."""
    started = timezone.now()
    sent = 0
    while (timezone.now() - started).total_seconds() < time_budget:
        ids = claim(now, batch)
        if not ids:
            break
        rules = {}  # (practice, kind) -> rule, for this batch
        with scopes_disabled():
            claimed = FollowUp.objects.filter(pk__in=ids).select_related(
                "practice", "client", "appointment"
            )
            claimed = list(claimed.order_by("due_at", "pk"))
        tries = []
        try:
            for followup in claimed:
                sent += send_claimed(followup, now, rules, tries) == Status.SENT
        finally:
            with scopes_disabled():
                Attempt.objects.bulk_create(tries)
    return sent


def send_claimed(followup, now, rules, tries):
    """Finish one claimed row, adding its try to `tries`; return the status it ends in."""
    now = now or timezone.now()
    if followup.status != Status.SENDING:
        return followup.status
    with scope(practice=followup.practice):
        key = (followup.practice_id, followup.kind)
        if key not in rules:
            rules[key] = rule_for(followup.practice, followup.kind)
        return deliver(followup, now, rules[key], tries)


def deliver(followup, now, rule, tries):
    reason = reason_not_to_send(followup, now)
    if reason:
        return finish(followup, Status.SKIPPED, skip_reason=reason)
    if followup.client:
        followup.channel = choose_channel(followup.client)  # consent may have changed
    later = defer_until(followup, now)
    if later:
        return finish(followup, Status.SCHEDULED, due_at=later, attempts=F("attempts") - 1)
    try:
        followup.subject, followup.body = messages.render(followup, rule)
    except messages.RenderError as error:
        return finish(followup, Status.FAILED, last_error=str(error))
    started = timezone.now()
    try:
        provider_id = CHANNELS[followup.channel].send(followup)
    except ChannelError as error:
        return failed_attempt(followup, started, error, now, tries)
    except Exception as error:  # an unexpected bug must not stop the other rows
        log.exception("Sending follow-up %s failed", followup.pk)
        return failed_attempt(followup, started, ChannelError(repr(error)), now, tries)
    tries.append(attempt(followup, started, ok=True, provider_id=provider_id))
    return finish(
        followup,
        Status.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id,
        to=address_of(followup),
        last_error="",
    )


def attempt(followup, started, **fields):
    """Every try is a row. (The claim already counted it in `attempts` before sending.)"""
    return Attempt(
        practice_id=followup.practice_id,
        followup=followup,
        started_at=started,
        finished_at=timezone.now(),
        **fields,
    )


def finish(followup, status, **fields):
    """Write the outcome, unless another worker took the row over after our lease ran out."""
    values = {
        "status": status,
        "lease_until": None,
        "channel": followup.channel,
        "subject": followup.subject,
        "body": followup.body,
        **fields,
    }
    updated = FollowUp.objects.filter(pk=followup.pk, status=Status.SENDING).update(**values)
    if not updated:
        log.warning("Follow-up %s was taken over by another worker", followup.pk)
    return status


def failed_attempt(followup, started, error, now, tries):
    attempts = followup.attempts  # counted by the claim, which loaded this row after it
    tries.append(attempt(followup, started, ok=False, error=str(error)))
    if error.permanent or attempts >= settings.FOLLOWUP_MAX_ATTEMPTS:
        return finish(followup, Status.FAILED, last_error=str(error))
    return finish(followup, Status.SCHEDULED, due_at=now + backoff(attempts), last_error=str(error))


def backoff(attempts):
    """1, 4, 16, 64 ... minutes, at most a day."""
    return datetime.timedelta(minutes=min(4 ** (attempts - 1), 24 * 60))


def address_of(followup):
    if followup.channel == Channel.EMAIL:
        return CHANNELS[Channel.EMAIL].address(followup)
    if followup.channel == Channel.SMS:
        return followup.client.mobile
    return ""


def reason_not_to_send(followup, now):
    """Why this row must not go out at all, or an empty string."""
    client, appointment = followup.client, followup.appointment
    if followup.expires_at <= now:
        return too_late_reason(followup.kind)
    if (
        client
        and followup.is_marketing
        and client.status
        in (
            Client.Status.MOVED_ON,
            Client.Status.INACTIVE,
        )
    ):
        return f"the client is {client.get_status_display().lower()}"
    if followup.kind == Kind.REMINDER and appointment and not appointment.is_booked:
        return "the session is no longer booked"
    if (
        followup.kind == Kind.CHECKIN
        and appointment
        and (appointment.status != Appointment.Status.COMPLETED)
    ):
        return "the session did not take place"
    if (
        followup.kind == Kind.CANCELLATION
        and client
        and client.appointments.filter(status=Appointment.Status.BOOKED, start__gt=now).exists()
    ):
        return "the client booked again"
    return ""


def defer_until(followup, now):
    """When a text would land in quiet hours, or a second non-urgent message on one day,
    return the time to try instead."""
    tz = zoneinfo.ZoneInfo(followup.practice.time_zone)
    local = timezone.localtime(now, tz)
    start, end = settings.QUIET_HOURS
    if followup.channel == Channel.SMS and (local.hour >= start or local.hour < end):
        day = local.date() if local.hour < end else local.date() + datetime.timedelta(days=1)
        return datetime.datetime.combine(day, datetime.time(end, 0), tzinfo=tz)
    if followup.client and not followup.is_urgent and followup.channel != Channel.TASK:
        day_start = datetime.datetime.combine(local.date(), datetime.time.min, tzinfo=tz)
        already = FollowUp.objects.filter(
            client=followup.client, status=Status.SENT, sent_at__gte=day_start
        ).exclude(kind__in=URGENT_KINDS)
        if already.exists():
            next_day = local.date() + datetime.timedelta(days=1)
            return datetime.datetime.combine(next_day, datetime.time(end + 1, 0), tzinfo=tz)
    return None
