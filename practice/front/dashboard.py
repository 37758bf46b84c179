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


def figures(practice, now):
    """The twelve-month figures and the lapsed clients. They move over days, not minutes,
    and read the whole history, so they are kept for a few minutes per practice; a
    session booked, moved or marked forgets them at once (see forget_figures)."""
    key = figures_key(practice)
    kept = cache.get(key)
    if kept is None:
        kept = {
            "rebooking": metrics.rebooking(practice, now),
            "checkins": metrics.checkins(practice, now),
            "chart": metrics.chart(metrics.months(practice, now)),
            "sources": metrics.sources(practice),
            "brought_back": metrics.brought_back(practice, now),
            "takings": payments.takings(practice, now),
            **slipping_away(practice),
            "figures_at": now,
        }
        cache.set(key, kept, settings.DASHBOARD_FIGURES_SECONDS)
    return kept


def forget_figures(sender, instance, **kwargs):
    cache.delete(figures_key(instance.practice))


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
    shown = listing(sessions.exclude(status__in=Appointment.CANCELLED), limit=TODAY_SHOWN + 1)
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
