"""When follow-ups are planned: each rule turns an event into rows in the outbox.

Every row has an idempotency key naming its cause, so planning the same thing twice finds
the row that is already there instead of adding a second one.
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, F, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import Client
from practice import dates
from practice.models import Practice
from practice.two_factor import CHANGES
from sessions import booking
from sessions.models import Appointment

from .kinds import RULELESS_KINDS, Kind, expires, key_for, too_late_reason
from .models import Channel, FollowUp
from .rules import choose_channel, practice_tz, rule_for, text_before_quiet_hours
from .tasks import ring


def plan(
    practice,
    kind,
    *,
    key,
    due_at,
    expires_at,
    client=None,
    appointment=None,
    step=0,
    body="",
    invitation=None,
    to="",
    channel=None,
    hold=None,
):
    """Add a follow-up unless its rule is off or the same one exists; return it or None.

    One already past `expires_at` (history entered after the fact) is kept as skipped with
    the reason, so the therapist sees it and may still send it on purpose.
    """
    if kind not in RULELESS_KINDS and not rule_for(practice, kind).enabled:
        return None
    late = expires_at <= timezone.now()
    followup, created = FollowUp.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "practice": practice,
            "client": client,
            "kind": kind,
            "channel": channel or choose_channel(client, kind),
            "due_at": due_at,
            "expires_at": expires_at,
            "appointment": appointment,
            "step": step,
            "body": body,
            "invitation": invitation,
            "hold": hold,
            "to": to,
            "status": FollowUp.Status.SKIPPED if late else FollowUp.Status.SCHEDULED,
            "skip_reason": too_late_reason(kind) if late else "",
        },
    )
    if created and not late:
        ring_after_commit()
    return followup


def ring_after_commit():
    """Wake the dispatcher once the rows are committed; the minute tick is the fallback."""
    transaction.on_commit(ring, robust=True)


# --- Events ---------------------------------------------------------------------------


def on_status_changed(appointment, old_status, **kwargs):
    """Plan what follows a session's outcome; drop its reminder."""
    cancel_scheduled(
        appointment.followups.filter(
            kind__in=(Kind.REMINDER, Kind.HEALTH_CHECK, Kind.BOOKING_CONFIRMATION)
        ),
        reminder_end(appointment),
    )
    if appointment.status == Appointment.Status.COMPLETED:
        plan_checkin(appointment)
        if first_visit(appointment):
            plan_thank_you(appointment)
    elif appointment.status in Appointment.CANCELLED:
        plan_waitlist_offers(appointment)
        if appointment.awaiting_confirmation:
            # A request, not a session: declined, the client is told; withdrawn, nothing.
            if appointment.status == Appointment.Status.CANCELLED_PRACTICE:
                plan_declined(appointment)
        elif appointment.client.status not in (Client.Status.MOVED_ON, Client.Status.INACTIVE):
            plan_cancellation_sequence(appointment)


def reminder_end(appointment):
    """Why a session's reminder is no longer to be sent, in the therapist's words."""
    if appointment.status == Appointment.Status.COMPLETED:
        return "the session took place"
    if appointment.status == Appointment.Status.NO_SHOW:
        return "the client did not come"
    return "the session was cancelled"


def on_appointment_saved(appointment, created, **kwargs):
    """A booked session gets a reminder that follows it when it moves; a new booking
    ends the client's cancellation follow-ups (a past session entered as history does not)."""
    if appointment.status == Appointment.Status.BOOKED:
        plan_reminder(appointment)
        plan_health_check(appointment)
        if created and appointment.start > timezone.now():
            cancel_scheduled(
                FollowUp.objects.filter(client=appointment.client, kind=Kind.CANCELLATION),
                "the client booked again",
            )
        if appointment.booked_via != Appointment.Via.PRACTICE:
            plan_confirmation(appointment)
            if created:
                plan_first_intake_link(appointment.client)


def plan_confirmation(appointment):
    """Confirm a session the client booked or moved themselves, once per time it is at; a
    confirmation of the time it has just left is no longer sent."""
    if appointment.start <= timezone.now():
        return None
    # One per time the session is at, and a held request's acknowledgement apart from the
    # confirmation that follows when the therapist accepts it.
    held = ":request" if appointment.awaiting_confirmation else ""
    key = key_for(
        Kind.BOOKING_CONFIRMATION,
        appointment=appointment.public_id,
        start=f"{int(appointment.start.timestamp())}{held}",
    )
    cancel_scheduled(
        appointment.followups.filter(kind=Kind.BOOKING_CONFIRMATION).exclude(idempotency_key=key),
        "a newer confirmation replaces it",
    )
    now = timezone.now()
    return plan(
        appointment.practice,
        Kind.BOOKING_CONFIRMATION,
        key=key,
        due_at=now,
        expires_at=expires(Kind.BOOKING_CONFIRMATION, appointment.start),
        client=appointment.client,
        appointment=appointment,
    )


def plan_declined(appointment):
    now = timezone.now()
    return plan(
        appointment.practice,
        Kind.BOOKING_DECLINED,
        key=key_for(Kind.BOOKING_DECLINED, appointment=appointment.public_id),
        due_at=now,
        expires_at=expires(Kind.BOOKING_DECLINED, appointment.start),
        client=appointment.client,
        appointment=appointment,
    )


def plan_first_intake_link(client):
    """A client new to the practice who booked themselves gets the intake form at once."""
    if client.intake_completed_at or client.followups.filter(kind=Kind.INTAKE_LINK).exists():
        return None
    return plan_intake_link(client)


def cancel_scheduled(queryset, reason):
    return queryset.filter(status=FollowUp.Status.SCHEDULED).update(
        status=FollowUp.Status.CANCELLED, skip_reason=reason
    )


def first_visit(appointment):
    return not Appointment.objects.filter(
        client=appointment.client,
        status=Appointment.Status.COMPLETED,
        start__lt=appointment.start,
    ).exists()


def next_day_at(rule, practice, moment, days):
    local_day = timezone.localtime(moment, practice_tz(practice)).date()
    return rule.at(local_day + datetime.timedelta(days=days), practice_tz(practice))


def plan_checkin(appointment):
    practice = appointment.practice
    rule = rule_for(practice, Kind.CHECKIN)
    # The rule's day and hour, but never later than that many days after the session ends:
    # an 08:00 session still hears from us within 24 hours.
    due = min(
        next_day_at(rule, practice, appointment.start, rule.days),
        appointment.end + datetime.timedelta(days=rule.days),
    )
    if choose_channel(appointment.client) == Channel.SMS:
        due = text_before_quiet_hours(due, practice, not_before=appointment.end)
    return plan(
        practice,
        Kind.CHECKIN,
        key=key_for(Kind.CHECKIN, appointment=appointment.public_id),
        due_at=due,
        expires_at=expires(Kind.CHECKIN, due),
        client=appointment.client,
        appointment=appointment,
    )


def plan_thank_you(appointment):
    practice = appointment.practice
    rule = rule_for(practice, Kind.THANK_YOU)
    due = next_day_at(rule, practice, appointment.start, rule.days)
    return plan(
        practice,
        Kind.THANK_YOU,
        key=key_for(Kind.THANK_YOU, client=appointment.client.public_id),
        due_at=due,
        expires_at=expires(Kind.THANK_YOU, due),
        client=appointment.client,
        appointment=appointment,
    )


def plan_health_check(appointment):
    """Where the practice asks "has anything changed?" in a message of its own: plan (or
    move) it before the session. Whether there is anything to ask is decided when it is
    due (followups.dispatch), since the client may send a form before then."""
    practice = appointment.practice
    key = key_for(Kind.HEALTH_CHECK, appointment=appointment.public_id)
    existing = FollowUp.objects.filter(idempotency_key=key)
    if practice.health_recheck != Practice.HealthRecheck.OWN_MESSAGE:
        cancel_scheduled(existing, "the practice asks in the reminder, or not at all")
        return None
    if appointment.awaiting_confirmation:
        cancel_scheduled(existing, "the booking waits for the therapist's confirmation")
        return None
    rule = rule_for(practice, Kind.HEALTH_CHECK)
    due = appointment.start - datetime.timedelta(hours=rule.hours)
    until = expires(Kind.HEALTH_CHECK, appointment.start)
    if existing.filter(status=FollowUp.Status.SCHEDULED).update(due_at=due, expires_at=until):
        return existing.first()
    if appointment.start <= timezone.now():
        return None
    return plan(
        practice,
        Kind.HEALTH_CHECK,
        key=key,
        expires_at=until,
        due_at=max(due, timezone.now()),
        client=appointment.client,
        appointment=appointment,
    )


def plan_reminder(appointment):
    """Plan (or move) the reminder; none for a session too close to remind about."""
    practice = appointment.practice
    rule = rule_for(practice, Kind.REMINDER)
    due = appointment.start - datetime.timedelta(hours=rule.hours)
    existing = FollowUp.objects.filter(
        idempotency_key=key_for(Kind.REMINDER, appointment=appointment.public_id)
    )
    if appointment.awaiting_confirmation:
        cancel_scheduled(existing, "the booking waits for the therapist's confirmation")
        return None
    if appointment.booked_via != Appointment.Via.PRACTICE and due <= timezone.now():
        # The client chose this time inside the reminder's window: the confirmation they
        # are sent now is the reminder.
        cancel_scheduled(existing, "the client booked it themselves a short time before")
        return None
    moved = existing.filter(status=FollowUp.Status.SCHEDULED).update(
        due_at=due, expires_at=expires(Kind.REMINDER, appointment.start)
    )
    if moved:
        return existing.first()
    if appointment.start <= timezone.now():
        return None
    return plan(
        practice,
        Kind.REMINDER,
        key=key_for(Kind.REMINDER, appointment=appointment.public_id),
        expires_at=expires(Kind.REMINDER, appointment.start),
        due_at=max(due, timezone.now()),
        client=appointment.client,
        appointment=appointment,
    )


def cancelled_at(appointment):
    """When the client cancelled (or missed) the session. A session marked cancelled after
    it was due to start is counted from its start: a cancellation entered weeks later is
    history, not news."""
    return min(appointment.status_changed_at or timezone.now(), appointment.start)


def plan_cancellation_sequence(appointment):
    practice = appointment.practice
    rule = rule_for(practice, Kind.CANCELLATION)
    now = timezone.now()
    moment = cancelled_at(appointment)
    planned = []
    for step, days in enumerate(rule.sequence_days()):
        due = next_day_at(rule, practice, moment, days)
        planned.append(
            plan(
                practice,
                Kind.CANCELLATION,
                key=key_for(Kind.CANCELLATION, appointment=appointment.public_id, step=step),
                expires_at=expires(Kind.CANCELLATION, due),
                due_at=max(due, now),
                client=appointment.client,
                appointment=appointment,
                step=step,
            )
        )
    return planned


def plan_intake_link(client):
    """Send the client a fresh intake link now (each press sends one)."""
    now = timezone.now()
    return plan(
        client.practice,
        Kind.INTAKE_LINK,
        key=key_for(Kind.INTAKE_LINK, client=client.public_id, at=now.timestamp()),
        due_at=now,
        expires_at=expires(Kind.INTAKE_LINK, now),
        client=client,
    )


def plan_waitlist_offers(freed):
    """Offer a cancelled session's time to everyone waiting for it, now, each by their
    channel; the booking pages give it to the first who takes it."""
    if not freed.practice.online_booking:
        return []
    now = timezone.now()
    return [
        plan(
            freed.practice,
            Kind.WAITLIST_OFFER,
            key=key_for(Kind.WAITLIST_OFFER, entry=entry.public_id, appointment=freed.public_id),
            due_at=now,
            expires_at=expires(Kind.WAITLIST_OFFER, freed.start),
            client=entry.client,
            appointment=freed,
        )
        for entry in booking.waiting_for(freed, now)
    ]


def plan_hold_link(hold):
    """The link that books a time held on the public page, to the address or number typed
    there by the channel chosen there, at once; useless once the hold expires."""
    return plan(
        hold.practice,
        Kind.BOOKING_HOLD,
        key=key_for(Kind.BOOKING_HOLD, hold=hold.public_id),
        due_at=hold.created_at,
        expires_at=hold.expires_at,
        channel=hold.channel,
        to=hold.address,
        hold=hold,
    )


def plan_security_notice(user, practice, change, now=None):
    """Tell a member at their own address that their two-step sign-in changed: whoever
    did it, the owner of the address hears of it. Sent in the name of the practice they
    were using (else their first), which is the outbox row's home."""
    practice = practice or Practice.objects.filter(memberships__user=user).order_by("pk").first()
    if practice is None:
        return None  # not a member anywhere: nobody's records are behind this account
    now = now or timezone.now()
    when = dates.when(now, practice)
    reset = settings.SITE_URL.rstrip("/") + reverse("password_reset")
    body = (
        f"Hello,\n\n{CHANGES[change]} for your account {user.email} on {when}.\n\n"
        "If that was you, there is nothing more to do.\n\nIf it was not, someone knows "
        f"your password: choose a new one now at {reset} and tell the practice's other "
        "owner, if there is one."
    )
    return plan(
        practice,
        Kind.SECURITY_NOTICE,
        key=key_for(Kind.SECURITY_NOTICE, user=user.pk, change=change, at=now.timestamp()),
        due_at=now,
        expires_at=expires(Kind.SECURITY_NOTICE, now),
        body=body,
        to=user.email,
    )


def on_two_factor_changed(user, practice, change, **kwargs):
    with scopes_disabled():
        plan_security_notice(user, practice, change)


def plan_text_reply(client, text, now):
    """A client's reply by text that is not a word we act on: a to-do for the therapist."""
    return plan(
        client.practice,
        Kind.TEXT_REPLY,
        key=key_for(Kind.TEXT_REPLY, client=client.public_id, at=now.timestamp()),
        due_at=now,
        expires_at=expires(Kind.TEXT_REPLY, now),
        client=client,
        body=text,
    )


def plan_complaint_followup(practice, client, complaint_key, due_at):
    """For the complaints app: one follow-up per complaint."""
    return plan(
        practice,
        Kind.COMPLAINT,
        key=complaint_followup_key(complaint_key),
        due_at=due_at,
        expires_at=expires(Kind.COMPLAINT, due_at),
        client=client,
    )


def complaint_followup_key(complaint_key):
    return key_for(Kind.COMPLAINT, complaint=complaint_key)


def complaint_followup(practice, complaint_key):
    """The follow-up planned for a complaint, or None."""
    key = complaint_followup_key(complaint_key)
    return FollowUp.objects.filter(practice=practice, idempotency_key=key).first()


# --- Daily planning -------------------------------------------------------------------


def lapsed_clients(practice, today=None, paid=None):
    """Clients past their own usual interval between visits by the rule's margin.

    Each row has the client, their last visit, usual interval in days, average price and
    yearly revenue at risk (average price x visits per year). Computed in the database.
    `paid`, where given, annotates sessions with `money` (what was paid for each, None
    where nothing is recorded: payments.services.money_paid); a client's average money
    paid per visit then stands for their average price where they have any
    (`from_payments` says so), in the same query.
    """
    today = today or timezone.localdate()
    margin = 1 + rule_for(practice, Kind.LAPSED).margin_percent / 100
    stats = (
        Client.objects.filter(practice=practice, status=Client.Status.ACTIVE)
        .annotate(
            visits=Count("appointments", filter=Q(appointments__status="completed")),
            first=Min("appointments__start", filter=Q(appointments__status="completed")),
            last=Max("appointments__start", filter=Q(appointments__status="completed")),
            avg_price=Avg("appointments__price", filter=Q(appointments__status="completed")),
            booked=Count("appointments", filter=Q(appointments__status="booked")),
        )
        .filter(visits__gte=2, booked=0)
        .annotate(span=F("last") - F("first"))
    )
    if paid is not None:
        held = paid(Appointment.objects.filter(client=OuterRef("pk"), status="completed"))
        average = held.order_by().values("client").annotate(avg=Avg("money")).values("avg")
        stats = stats.annotate(avg_paid=Subquery(average))
    lapsed = []
    for client in stats:
        interval = client.span.total_seconds() / 86400 / (client.visits - 1)
        if interval <= 0:
            continue
        days_since = (today - timezone.localtime(client.last).date()).days
        if days_since > interval * margin:
            per_year = 365 / interval
            known = getattr(client, "avg_paid", None)
            value = client.avg_price if known is None else known
            lapsed.append(
                {
                    "client": client,
                    "last_visit": client.last,
                    "interval_days": round(interval),
                    "days_since": days_since,
                    "average_price": value,
                    "from_payments": known is not None,
                    "revenue_at_risk": round(float(value) * per_year, 2),
                }
            )
    return sorted(lapsed, key=lambda row: -row["revenue_at_risk"])


def plan_lapsed(practice, today=None):
    rule = rule_for(practice, Kind.LAPSED)
    planned = []
    for row in lapsed_clients(practice, today):
        client = row["client"]
        due = max(next_day_at(rule, practice, timezone.now(), 0), timezone.now())
        planned.append(
            plan(
                practice,
                Kind.LAPSED,
                key=key_for(
                    Kind.LAPSED,
                    client=client.public_id,
                    last_visit=row["last_visit"].date().isoformat(),
                ),
                due_at=due,
                expires_at=expires(Kind.LAPSED, due),
                client=client,
            )
        )
    return [p for p in planned if p]


def plan_insurance(practice, today=None):
    """Remind the practice 30 and 7 days before its indemnity policy expires."""
    ends = practice.insurance_expires_on
    if not ends:
        return []
    today = today or timezone.localdate()
    rule = rule_for(practice, Kind.INSURANCE)
    policy_ends = datetime.datetime.combine(ends, datetime.time.min, tzinfo=practice_tz(practice))
    planned = []
    for days in rule.sequence_days():
        day = ends - datetime.timedelta(days=days)
        if day < today:
            continue
        planned.append(
            plan(
                practice,
                Kind.INSURANCE,
                key=key_for(
                    Kind.INSURANCE, practice=practice.public_id, ends=ends.isoformat(), days=days
                ),
                due_at=rule.at(day, practice_tz(practice)),
                expires_at=expires(Kind.INSURANCE, policy_ends),
            )
        )
    return [p for p in planned if p]


# The name it had in tasks.py, so beat's stored schedule still finds it.
@shared_task(name="followups.tasks.plan_daily")
def plan_daily():
    """Plan win-back messages for lapsed clients and insurance reminders, every practice."""
    with scopes_disabled():
        practices = list(Practice.objects.all())
    for practice in practices:
        with scope(practice=practice):
            plan_lapsed(practice)
            plan_insurance(practice)
