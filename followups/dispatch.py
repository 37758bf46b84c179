"""The dispatcher: claim due rows, check the rules, render, send, record.

The database is the source of truth. A dispatcher claims a batch of due rows by moving them
to "sending" under a lease: a random token of its own and a time the lease runs until. Only
the holder of the token may finish a row. On PostgreSQL concurrent claimers skip each
other's locked rows (select_for_update(skip_locked=True)); on SQLite writes are serialised.

What keeps a message from going out twice:
- Right before each message the dispatcher checks, in the statement that extends that
  row's lease, that it still holds the row; while it works through a batch it renews the
  lease of the rows still waiting, so a slow provider never lets a second dispatcher take
  them. A dispatcher that dies stops renewing, and its rows are claimed again once the
  short lease (FOLLOWUP_LEASE_SECONDS) has run out.
- A message is rendered once and kept on its row (subject, body, rendered_at), with the
  check-in or intake token it carries, so a retry sends the same message with the same
  working links.
- The outcome and the log line of the try (an Attempt) are written together, on
  PostgreSQL in the statement that checks the lease of the next row before it goes out
  (one statement per message, not two: this halves the round trips that bounded the send
  rate), else the moment the channel answers; the last outcome of a batch, and one before
  anything else is written, are written on their own at once. If the database connection
  is lost just then, the write is retried until it lands, since the provider has the
  message already.
The one window left: a dispatcher killed after the provider accepted a message and before
its outcome is written (on PostgreSQL, until the next row is ready to go, a fraction of a
millisecond later). That message goes out a second time, identical to the first.
"""

import datetime
import functools
import logging
import time
import uuid
import zoneinfo
from contextlib import contextmanager, nullcontext

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import Client
from sessions.models import Appointment

from . import signals, wording
from .channels import CHANNELS, ChannelError
from .channels import address as sms_address
from .kinds import KINDS, too_late_reason
from .models import URGENT_KINDS, Attempt, Channel, FollowUp, Kind
from .rules import choose_channel, in_quiet_hours, rule_for

log = logging.getLogger(__name__)
Status = FollowUp.Status
BATCH = 100
RETRYABLE = (OperationalError, InterfaceError)


def lease_length():
    return datetime.timedelta(seconds=settings.FOLLOWUP_LEASE_SECONDS)


def claim(now=None, limit=BATCH, token=None, practice=None):
    """Move up to `limit` due rows (or rows whose lease ran out) to "sending" under the lease
    `token`; return their ids. With `practice`, only that practice's rows."""
    now = now or timezone.now()
    due = Q(status=Status.SCHEDULED, due_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )
    with scopes_disabled(), transaction.atomic():
        queryset = FollowUp.objects.filter(due).order_by("due_at", "pk")
        if practice is not None:
            queryset = queryset.filter(practice=practice)
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        ids = list(queryset.values_list("pk", flat=True)[:limit])
        FollowUp.objects.filter(pk__in=ids).update(
            status=Status.SENDING,
            lease_until=timezone.now() + lease_length(),
            lease_token=token or uuid.uuid4(),
            attempts=F("attempts") + 1,
        )
    return ids


class Lease:
    """The rows of one claimed batch, held under one token and renewed while they wait."""

    def __init__(self, token, ids):
        self.token = token
        self.waiting = set(ids)
        self.renewed = time.monotonic()
        self.outcome = None  # a sent message's (followup, status, values, tried), unwritten

    def rows(self, **lookups):
        """This lease's rows. (The base manager: a lease spans practices, and the token
        alone names the rows.)"""
        return FollowUp._base_manager.filter(
            lease_token=self.token, status=Status.SENDING, **lookups
        )

    def hold(self, followup, **fields):
        """Right before a message goes out: whether this dispatcher still holds its row.
        Extends that row's lease and, every few seconds, the lease of the rows still waiting."""
        self.waiting.discard(followup.pk)
        if time.monotonic() - self.renewed > settings.FOLLOWUP_LEASE_SECONDS / 3:
            self.rows(pk__in=self.waiting).update(lease_until=timezone.now() + lease_length())
            self.renewed = time.monotonic()
        fields["lease_until"] = timezone.now() + lease_length()
        if self.outcome is None or connection.in_atomic_block:
            self.write_outcome()
            held = update_held_row(followup.pk, self.token, fields)
        else:
            held = self.write_outcome(and_hold=(followup.pk, fields))
        if not held:
            log.warning("Follow-up %s was taken over by another dispatcher", followup.pk)
        return bool(held)

    def outcome_later(self, followup, status, values, tried):
        """Keep a sent message's outcome to write with the next row's lease check."""
        self.write_outcome()
        self.outcome = (followup, status, values, tried)

    def write_outcome(self, and_hold=None):
        """Write the kept outcome, if any, and with `and_hold` (pk, fields) check and extend
        that row's lease in the same statement; return whether that row is still held.

        The outcome lands whatever happens: if the connection is lost, it is written again
        on its own until it does, and the lost lease check is raised to the caller."""
        if self.outcome is None:
            return None
        (followup, status, values, tried), self.outcome = self.outcome, None
        if and_hold is None:
            updated = until_it_lands(lambda: update_with_log(followup, values, tried))
            after_outcome(followup, status, values, updated)
            return None
        try:
            updated, held = update_with_log(followup, values, tried, and_hold=and_hold)
        except RETRYABLE:
            if connection.in_atomic_block:
                raise
            connection.close()
            updated = until_it_lands(lambda: update_with_log(followup, values, tried))
            after_outcome(followup, status, values, updated)
            raise  # the next row was not checked: it goes back to the queue
        after_outcome(followup, status, values, updated)
        return held

    def release(self):
        """Rows never reached (the batch broke off) go back to the queue, untried."""
        if self.waiting:
            self.rows(pk__in=self.waiting).update(
                status=Status.SCHEDULED,
                lease_until=None,
                lease_token=None,
                attempts=F("attempts") - 1,
            )


@functools.cache
def held_row_update(names):
    """UPDATE of one row, only while `status` is sending under the given lease token."""
    meta, quote = FollowUp._meta, connection.ops.quote_name
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    return (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 (names from _meta)
        f"WHERE {quote('id')} = %s AND {quote('lease_token')} = %s AND {quote('status')} = %s"
    )


def held_row_params(pk, token, fields):
    """The statement of held_row_update() for these fields, and its parameters."""
    names = tuple(sorted(fields))
    meta = FollowUp._meta
    params = [meta.get_field(name).get_db_prep_save(fields[name], connection) for name in names]
    token_field = meta.get_field("lease_token")
    params += [pk, token_field.get_db_prep_save(token, connection), Status.SENDING]
    return held_row_update(names), params


def update_held_row(pk, token, fields):
    """What `FollowUp.objects.filter(pk=pk, lease_token=token, status=SENDING).update(
    **fields)` does, written out: it runs for every message, and building the query through
    the ORM cost a fifth of the send rate. Return the number of rows updated (0 or
    1). The values are plain values, never expressions."""
    statement, params = held_row_params(pk, token, fields)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


@functools.cache
def attempt_insert():
    """INSERT of one Attempt (every column but the id), and the fields in its order."""
    meta, quote = Attempt._meta, connection.ops.quote_name
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})", fields  # noqa: S608


def update_with_log(followup, fields, tried, and_hold=None):
    """Write the outcome to the held row and insert the try's Attempt: on PostgreSQL in one
    statement (the update in a WITH), elsewhere in one transaction. Return how many rows
    were updated (0 when another dispatcher holds the row now; the try is logged anyway).

    With `and_hold` (pk, fields), PostgreSQL only: the same statement also extends the
    lease of that row of the same batch; return (rows updated, rows held)."""
    pk, token = followup.pk, followup.lease_token
    if connection.vendor != "postgresql":
        with transaction.atomic():
            updated = update_held_row(pk, token, fields)
            tried.save(force_insert=True)
        return updated
    update_sql, update_params = held_row_params(pk, token, fields)
    insert_sql, attempt_fields = attempt_insert()
    insert_params = [
        field.get_db_prep_save(field.pre_save(tried, add=True), connection)
        for field in attempt_fields
    ]
    if and_hold is None:
        statement = (
            f"WITH done AS ({update_sql} RETURNING 1) "  # noqa: S608 (built from _meta)
            f"{insert_sql} RETURNING (SELECT count(*) FROM done)"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, (*update_params, *insert_params))
            return cursor.fetchone()[0]
    hold_sql, hold_params = held_row_params(and_hold[0], token, and_hold[1])
    # Every data-modifying WITH runs, referenced or not; the rows are different rows.
    statement = (
        f"WITH done AS ({update_sql} RETURNING 1), "  # noqa: S608 (built from _meta)
        f"logged AS ({insert_sql} RETURNING 1), "
        f"held AS ({hold_sql} RETURNING 1) "
        "SELECT (SELECT count(*) FROM done), (SELECT count(*) FROM held)"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, (*update_params, *insert_params, *hold_params))
        return cursor.fetchone()


@contextmanager
def commits_without_waiting_for_the_disk():
    """PostgreSQL answers a commit before its record is on disk (synchronous_commit off),
    for this connection while it dispatches. A commit is still seen by every other
    connection at once and survives a lost connection or a killed worker; only a crash of
    the database server itself can lose the last fraction of a second of them. That at
    most resends a message of that moment, and it keeps a dispatcher's send rate with a lease
    check and a log line for every message."""
    relaxed = connection.vendor == "postgresql" and not connection.in_atomic_block
    if relaxed:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if relaxed:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit TO DEFAULT")
            except DatabaseError:  # a new connection starts with the default anyway
                connection.close()


def dispatch(now=None, time_budget=50.0, batch=BATCH, practice=None):
    """Send everything due, batch by batch, for up to `time_budget` seconds (with
    `practice`, only what that practice has due: `make bench` measures its own rows)."""
    with commits_without_waiting_for_the_disk():
        return dispatch_batches(now, time_budget, batch, practice)


def dispatch_batches(now, time_budget, batch, practice=None):
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < time_budget:
        token = uuid.uuid4()
        ids = claim(now, batch, token, practice)
        if not ids:
            break
        lease = Lease(token, ids)
        rules = {}  # (practice, kind) -> rule, for this batch
        with scopes_disabled():
            claimed = FollowUp.objects.filter(pk__in=ids, lease_token=token).select_related(
                "practice", "client", "appointment", "invitation__invited_by", "hold__service"
            )
            claimed = list(claimed.order_by("due_at", "pk"))
        try:
            for followup in claimed:
                try:
                    sent += send_claimed(followup, now, rules, lease) == Status.SENT
                except RETRYABLE as error:  # lost before anything was sent: free the row
                    if connection.in_atomic_block:
                        raise
                    log.warning("Database lost before follow-up %s (%s)", followup.pk, error)
                    connection.close()
                    lease.waiting.add(followup.pk)
        finally:
            try:
                lease.write_outcome()
            except (DatabaseError, OutcomeLost) as error:
                log.error("The outcome of a sent follow-up could not be written: %s", error)
            try:
                lease.release()
            except DatabaseError:
                log.warning("Could not release the rest of a batch; its lease will run out.")
    return sent


def send_claimed(followup, now, rules, lease):
    """Finish one claimed row; return the status it ends in."""
    now = now or timezone.now()
    if followup.status != Status.SENDING:
        return followup.status
    with scope(practice=followup.practice):
        key = (followup.practice_id, followup.kind)
        if key not in rules:
            rules[key] = rule_for(followup.practice, followup.kind)
        return deliver(followup, now, rules[key], lease)


def deliver(followup, now, rule, lease):
    reason = reason_not_to_send(followup, now)
    if reason:
        return finish(followup, Status.SKIPPED, lease=lease, skip_reason=reason)
    if followup.client:
        # consent may have changed
        followup.channel = choose_channel(followup.client, followup.kind)
    later = defer_until(followup, now)
    if later:
        return finish(
            followup, Status.SCHEDULED, lease=lease, due_at=later, attempts=F("attempts") - 1
        )
    try:
        if not hold_rendered(followup, rule, lease):
            return Status.SENDING  # another dispatcher holds it now
    except wording.RenderError as error:
        return finish(followup, Status.FAILED, lease=lease, last_error=str(error))
    started = timezone.now()
    try:
        provider_id = CHANNELS[followup.channel].send(followup)
    except ChannelError as error:
        return failed_attempt(followup, started, error, now, lease)
    except Exception as error:  # an unexpected bug must not stop the other rows
        log.exception("Sending follow-up %s failed", followup.pk)
        return failed_attempt(followup, started, ChannelError(repr(error)), now, lease)
    return finish(
        followup,
        Status.SENT,
        attempt(followup, started, ok=True, provider_id=provider_id),
        lease,
        sent_at=timezone.now(),
        provider_id=provider_id,
        to=address_of(followup),
        last_error="",
    )


class LeaseLost(Exception):
    pass


class OutcomeLost(Exception):
    """The database stayed out of reach after a message went out: its row keeps its lease,
    and is sent again only once the lease has run out."""


def hold_rendered(followup, rule, lease):
    """Check the lease and, the first time, render the message and keep it on the row.

    A first render that creates the tokens its links carry (a check-in, an intake form)
    keeps them only if the lease still holds, in one transaction with the rendered text, so
    a dispatcher that lost its row never replaces the token of a message another one sent."""
    if followup.rendered_at:
        return lease.hold(followup, channel=followup.channel)
    if wording.token_links(followup):
        # Written first, never inside the transaction a lost lease rolls back.
        lease.write_outcome()
        together = transaction.atomic()
    else:
        together = nullcontext()
    try:
        with together:
            followup.subject, followup.body = wording.render(followup, rule)
            followup.rendered_at = timezone.now()
            names = ("channel", "subject", "body", "rendered_at")
            if not lease.hold(followup, **{name: getattr(followup, name) for name in names}):
                raise LeaseLost
    except LeaseLost:
        return False
    return True


def attempt(followup, started, **fields):
    """Every try is a row. (The claim already counted it in `attempts` before sending.)"""
    return Attempt(
        practice_id=followup.practice_id,
        followup=followup,
        started_at=started,
        finished_at=timezone.now(),
        **fields,
    )


def finish(followup, status, tried=None, lease=None, **fields):
    """Write the outcome and the try's log line together, unless another dispatcher took the
    row over after our lease ran out. A lost connection does not lose the outcome: the write
    is retried, since the provider may have the message already. On PostgreSQL, the outcome
    of a try is written with the next row's lease check (Lease.outcome_later)."""
    values = {"status": status, "lease_until": None, "channel": followup.channel, **fields}
    if tried is not None and lease is not None and connection.vendor == "postgresql":
        lease.outcome_later(followup, status, values, tried)
        return status
    if lease is not None:
        lease.write_outcome()  # the one kept before this is written first
    if tried is None:  # skipped or put off: its values may be expressions (attempts - 1)
        mine = FollowUp._base_manager.filter(
            pk=followup.pk, status=Status.SENDING, lease_token=followup.lease_token
        )
        updated = until_it_lands(lambda: mine.update(**values))
        if not updated:
            log.warning("Follow-up %s was taken over by another dispatcher", followup.pk)
        return status
    updated = until_it_lands(lambda: update_with_log(followup, values, tried))
    after_outcome(followup, status, values, updated)
    return status


def after_outcome(followup, status, values, updated):
    """Once a try's outcome is written: tell the listeners (an insurer report's own record
    of its e-mail), or warn that another dispatcher had taken the row over."""
    if not updated:
        log.warning("Follow-up %s was taken over by another dispatcher", followup.pk)
        return
    for _receiver, result in signals.followup_finished.send_robust(
        sender=FollowUp, followup=followup, status=status, fields=values
    ):
        if isinstance(result, Exception):
            log.warning("A listener of follow-up %s failed: %r", followup.pk, result)


def until_it_lands(write):
    """Run `write`, reconnecting and retrying while the database cannot be reached, for up
    to FOLLOWUP_OUTCOME_RETRY_SECONDS. Inside an enclosing transaction nothing can be
    retried, so the error is raised at once."""
    deadline = time.monotonic() + settings.FOLLOWUP_OUTCOME_RETRY_SECONDS
    pause = 0.05
    while True:
        try:
            return write()
        except RETRYABLE as error:
            if connection.in_atomic_block:
                raise
            if time.monotonic() > deadline:
                raise OutcomeLost(str(error)) from error
            log.warning("The database was lost while writing an outcome (%s); retrying.", error)
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def failed_attempt(followup, started, error, now, lease=None):
    attempts = followup.attempts  # counted by the claim, which loaded this row after it
    tried = attempt(followup, started, ok=False, error=str(error))
    if error.permanent or attempts >= settings.FOLLOWUP_MAX_ATTEMPTS:
        return finish(followup, Status.FAILED, tried, lease, last_error=str(error))
    due_at = now + backoff(attempts)
    return finish(followup, Status.SCHEDULED, tried, lease, due_at=due_at, last_error=str(error))


def backoff(attempts):
    """1, 4, 16, 64 ... minutes, at most a day."""
    return datetime.timedelta(minutes=min(4 ** (attempts - 1), 24 * 60))


def address_of(followup):
    if followup.channel == Channel.EMAIL:
        return CHANNELS[Channel.EMAIL].address(followup)
    if followup.channel == Channel.SMS:
        return sms_address(followup)
    return ""


BEFORE_A_SESSION = (Kind.REMINDER, Kind.HEALTH_CHECK)


def reason_not_to_send(followup, now):
    """Why this row must not go out at all, or an empty string."""
    client, appointment = followup.client, followup.appointment
    if followup.expires_at <= now:
        return too_late_reason(followup.kind)
    if followup.invitation_id and not followup.invitation.is_open:
        return "the invitation was accepted or withdrawn"
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
    if followup.kind in BEFORE_A_SESSION and appointment and not appointment.is_booked:
        return "the session is no longer booked"
    if followup.kind == Kind.HEALTH_CHECK and client and not wording.health_links(followup):
        return "nothing to ask: no form to check, a newer form than the last visit, or not asked"
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
    _, end = settings.QUIET_HOURS
    asked_for = KINDS[followup.kind].asked_for
    if followup.channel == Channel.SMS and not asked_for and in_quiet_hours(now, followup.practice):
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
