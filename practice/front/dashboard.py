"""The therapist's dashboard: who is coming today, what needs attention, and who is
slipping away. Each section is one query (or a fixed few), whatever the practice's size."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from clients.models import Channel, Client, IntakeSubmission
from complaints.models import Complaint, Incident
from followups.kinds import UNSEEN_KINDS
from followups.models import (
    OPEN_TODO,
    CheckIn,
    FollowUp,
    UnverifiedText,
    inbound_texts_unverifiable,
)
from followups.planning import lapsed_clients
from practice import tasks
from practice.models import Heartbeat
from practice.payments import services as payments
from practice.tenancy import practice_required
from sessions.models import Appointment
from sessions.services import listing, overdue_unsigned

from . import metrics

INSURANCE_WARNING_DAYS = 30
WEEK = datetime.timedelta(days=7)
# The lists below read only what they show: the client's name and the row's own few fields.
NAMED = ("client__first_name", "client__last_name")


@practice_required
def dashboard(request):
    practice = request.practice
    last_beat, beat_stale = Heartbeat.status(tasks.HEARTBEAT)
    days_left = practice.insurance_days_left()
    now = timezone.now()
    context = {
        **today(practice, now),
        "tomorrow_intake": intake_missing_tomorrow(practice, now),
        "requests": list(
            Appointment.objects.filter(
                practice=practice, status="booked", awaiting_confirmation=True, start__gt=now
            )
            .select_related("client")
            .only(*NAMED, "public_id", "start")
            .order_by("start")[:10]
        ),
        **figures(practice, now),
        "last_beat": last_beat,
        "beat_stale": beat_stale,
        "insurance_days_left": days_left,
        "insurance_warning": days_left is not None and days_left <= INSURANCE_WARNING_DAYS,
        "setup_missing": setup_missing(practice),
        "intakes_to_review": intakes_to_review(practice),
        "new_prospects": new_prospects(practice),
        "unsigned": list(overdue_unsigned(practice).only(*NAMED, "public_id", "start")[:10]),
        "worse": list(
            CheckIn.objects.filter(practice=practice, answer="worse", seen_at__isnull=True)
            .select_related("client", "appointment")
            .only(*NAMED, "public_id", "comment", "appointment__public_id", "appointment__start")
            .order_by("-answered_at")[:10]
        ),
        **message_counts(practice),
        "unreachable": unreachable(practice),
        "texts_unverifiable": inbound_texts_unverifiable(),
        "unverified_texts": list(
            UnverifiedText.objects.filter(practice=practice, received_at__gte=now - WEEK)
            .select_related("client")
            .only(*NAMED, "client__public_id", "received_at", "reason")[:5]
        ),
        "open_complaints": list(
            Complaint.objects.filter(practice=practice, closed_at__isnull=True)
            .select_related("client")
            .only(*NAMED, "public_id", "received_at", "acknowledged_at", "closed_at")
            .order_by("received_at")[:10]
        ),
        "open_incidents": list(
            Incident.objects.filter(practice=practice)
            .exclude(status=Incident.Status.CLOSED)
            .select_related("client")
            .only(*NAMED, "public_id", "status")
            .order_by("-reported_at")[:10]
        ),
        "now": now,
        "figures_seconds": settings.DASHBOARD_FIGURES_SECONDS,
    }
    return render(request, "practice/dashboard.html", context)


def figures_key(practice):
    return f"dashboard-figures:{practice.pk}"


def figures_version_key(practice):
    return f"dashboard-figures-version:{practice.pk}"


def figures_lock_key(practice):
    return f"dashboard-figures-working:{practice.pk}"


FIGURES_KEPT_SECONDS = 24 * 60 * 60  # a set past its time is still shown while the next is made
FIGURES_LOCK_SECONDS = 120  # longer than working them out ever takes


def figures(practice, now):
    """The twelve-month figures and the lapsed clients. They move over days, not minutes,
    and read the whole history (two seconds for a practice of 5,000 clients), so they are
    kept per practice: a set is current for DASHBOARD_FIGURES_SECONDS, and a session booked,
    moved or marked, or money recorded, makes it out of date at once (forget_figures).

    Only one request at a time works out a practice's figures. Meanwhile every other
    dashboard is drawn at once with the last set, marked as being brought up to date, or,
    when there is none yet, with a note that they are being worked out."""
    key = figures_key(practice)
    version = cache.get(figures_version_key(practice), 0)
    kept = cache.get(key)
    if kept is not None and current(kept, version, now):
        return kept
    lock = figures_lock_key(practice)
    if not cache.add(lock, True, FIGURES_LOCK_SECONDS):  # another request is on it
        if kept is None:
            return {"figures_pending": True, "figures_at": None}
        return kept | {"figures_updating": True}
    try:
        kept = {
            "rebooking": metrics.rebooking(practice, now),
            "checkins": metrics.checkins(practice, now),
            "chart": metrics.chart(metrics.months(practice, now)),
            "sources": metrics.sources(practice),
            "brought_back": metrics.brought_back(practice, now),
            "takings": payments.takings(practice, now),
            **slipping_away(practice),
            "figures_at": now,
            "figures_version": version,  # read before the figures: a change meanwhile shows
        }
        cache.set(key, kept, FIGURES_KEPT_SECONDS)
    finally:
        cache.delete(lock)
    return kept


def current(kept, version, now):
    """Whether a kept set of figures is still the practice's own: nothing has changed
    since it was made (the same version), and it is not past its time."""
    age = (now - kept["figures_at"]).total_seconds()
    return kept.get("figures_version") == version and age < settings.DASHBOARD_FIGURES_SECONDS


def forget_figures(sender, instance, **kwargs):
    """Something the figures count changed: the kept set is out of date from now on."""
    key = figures_version_key(instance.practice)
    cache.add(key, 0, None)
    try:
        cache.incr(key)
    except ValueError:  # gone between the two (evicted): a new version all the same
        cache.set(key, 1, None)


def local_day(practice, now, offset=0):
    tz = zoneinfo.ZoneInfo(practice.time_zone)
    day = timezone.localtime(now, tz).date() + datetime.timedelta(days=offset)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


TODAY_SHOWN = 12  # more than a therapist's busiest day; the day view has them all


def today(practice, now):
    """Today's sessions with what to know about each client."""
    start, end = local_day(practice, now)
    sessions = Appointment.objects.filter(practice=practice, start__gte=start, start__lt=end)
    shown = listing(
        sessions.exclude(status__in=Appointment.CANCELLED), limit=TODAY_SHOWN + 1, practice=practice
    )
    return {"today": shown[:TODAY_SHOWN], "today_more": len(shown) > TODAY_SHOWN}


def intake_missing_tomorrow(practice, now):
    """Tomorrow's sessions whose client has not filled in the intake form."""
    start, end = local_day(practice, now, offset=1)
    return list(
        Appointment.objects.filter(
            practice=practice,
            start__gte=start,
            start__lt=end,
            status=Appointment.Status.BOOKED,
            client__intake_completed_at__isnull=True,
        )
        .select_related("client")
        .only(*NAMED, "client__public_id", "start")
        .order_by("start")
    )


def slipping_away(practice, shown=5):
    """Lapsed clients, most valuable first, and the yearly revenue they represent: what
    each paid per visit where payments are recorded for them (`from_payments` counts
    those), their sessions' prices where none are."""
    lapsed = lapsed_clients(practice, paid=payments.money_paid)
    return {
        "lapsed": lapsed[:shown],
        "lapsed_count": len(lapsed),
        "lapsed_paid": sum(1 for row in lapsed if row["from_payments"]),
        "revenue_at_risk": sum(row["revenue_at_risk"] for row in lapsed),
    }


def message_counts(practice):
    """Failed messages and open to-dos, counted in one query (each side has an index)."""
    failed = Q(status=FollowUp.Status.FAILED)
    return (
        FollowUp.objects.filter(practice=practice)
        .filter(failed | OPEN_TODO)
        .exclude(kind__in=UNSEEN_KINDS)
        .aggregate(
            failed_messages=Count("pk", filter=failed), todos_due=Count("pk", filter=OPEN_TODO)
        )
    )


def unreachable(practice, shown=5):
    """Clients a provider reported we cannot reach at their current address or number."""
    reported = (
        Client.objects.filter(practice=practice, erased_at=None)
        .exclude(undeliverable={})
        .only("public_id", "first_name", "last_name", "email", "mobile", "undeliverable")
        .order_by("last_name", "first_name")
    )
    rows = []
    for client in reported[: shown * 4]:  # a few whose address has changed since
        channels = [Channel(name).label for name in client.undeliverable if client.bounced(name)]
        if channels:
            rows.append((client, channels))
    return rows[:shown]


def setup_missing(practice):
    """The settings a new practice has not filled in yet, in plain words."""
    missing = []
    if not (
        practice.insurer_name and practice.insurance_policy_number and practice.insurance_expires_on
    ):
        missing.append("your indemnity insurer, policy number and expiry date")
    if not practice.insurer_claims_email:
        missing.append("your insurer's claims e-mail")
    if not practice.cancellation_policy:
        missing.append("your cancellation policy")
    if not practice.late_arrival_policy:
        missing.append("your late-arrival policy")
    return missing


def intakes_to_review(practice, limit=5):
    """New-client forms that matched an existing client and wait for the therapist."""
    return list(
        IntakeSubmission.objects.filter(practice=practice, needs_review=True)
        .select_related("client")
        .only(*NAMED, "client__public_id")
        .order_by("-submitted_at")[:limit]
    )


def new_prospects(practice, days=7):
    since = timezone.now() - timezone.timedelta(days=days)
    return Client.objects.filter(
        practice=practice, status=Client.Status.PROSPECT, created_at__gte=since
    ).count()
