"""The dashboard's retention figures, each computed in the database.

Every function takes the practice and "now", runs one query, and returns plain numbers;
the definitions shown on the dashboard say the same as the docstrings here.
"""

import datetime
import zoneinfo

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from clients.models import Client
from followups.kinds import KINDS
from followups.models import CheckIn, FollowUp, Kind
from practice.payments import services as payments
from sessions.models import Appointment

YEAR = datetime.timedelta(days=365)
REBOOK_WINDOW = datetime.timedelta(days=60)
SETTLE = datetime.timedelta(days=30)  # sessions this recent have not had time to rebook
REGULAR_VISITS = 3

Status = Appointment.Status
NOT_CANCELLED = [Status.BOOKED, Status.COMPLETED]


def percent(part, whole):
    return round(100 * part / whole) if whole else None


def rebooked_within(window):
    """Exists: the same client has another (not cancelled) session starting in the window."""
    return Exists(
        Appointment.objects.filter(
            client=OuterRef("client"),
            start__gt=OuterRef("start"),
            start__lte=OuterRef("start") + window,
            status__in=NOT_CANCELLED,
        )
    )


def rebooking(practice, now):
    """Of sessions completed between 12 months and 30 days ago, the share followed by
    another session within 60 days; the same for cancellations by the client."""
    window = Q(start__gte=now - YEAR, start__lt=now - SETTLE)
    cancelled = [Status.CANCELLED_CLIENT, Status.LATE_CANCELLATION]
    row = (
        Appointment.objects.filter(window, practice=practice)
        .annotate(rebooked=rebooked_within(REBOOK_WINDOW))
        .aggregate(
            sessions=Count("pk", filter=Q(status=Status.COMPLETED)),
            sessions_rebooked=Count("pk", filter=Q(status=Status.COMPLETED, rebooked=True)),
            cancellations=Count("pk", filter=Q(status__in=cancelled)),
            cancellations_rebooked=Count("pk", filter=Q(status__in=cancelled, rebooked=True)),
        )
    )
    return {
        **row,
        "after_sessions": percent(row["sessions_rebooked"], row["sessions"]),
        "after_cancellations": percent(row["cancellations_rebooked"], row["cancellations"]),
    }


def checkins(practice, now):
    """Check-ins sent in the last 12 months, the share of those answered, the answers, and
    the average session rating (1-5) clients gave. Every figure counts the same sent
    messages, so no share can pass 100%. (One query.)"""
    answer = "appointment__checkin__answer"
    row = FollowUp.objects.filter(
        practice=practice,
        kind=Kind.CHECKIN,
        status=FollowUp.Status.SENT,
        sent_at__gte=now - YEAR,
    ).aggregate(
        sent=Count("appointment", distinct=True),
        answered=Count(
            "appointment",
            distinct=True,
            filter=Q(appointment__checkin__answered_at__isnull=False),
        ),
        better=Count("appointment", distinct=True, filter=Q(**{answer: CheckIn.Answer.BETTER})),
        same=Count("appointment", distinct=True, filter=Q(**{answer: CheckIn.Answer.SAME})),
        worse=Count("appointment", distinct=True, filter=Q(**{answer: CheckIn.Answer.WORSE})),
        rating=Avg("appointment__checkin__rating"),
    )
    answered = row["answered"]
    return {
        **row,
        "response_rate": percent(answered, row["sent"]),
        "better_share": percent(row["better"], answered),
        "same_share": percent(row["same"], answered),
        "worse_share": percent(row["worse"], answered),
        "rating": round(row["rating"], 1) if row["rating"] is not None else None,
    }


def months(practice, now):
    """For each of the last 12 months, this one included: completed visits and distinct
    clients seen."""
    tz = zoneinfo.ZoneInfo(practice.time_zone)
    local_now = timezone.localtime(now, tz)
    months_back = local_now.year * 12 + local_now.month - 1 - 11
    first = datetime.date(months_back // 12, months_back % 12 + 1, 1)
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    rows = (
        Appointment.objects.filter(practice=practice, status=Status.COMPLETED, start__gte=start)
        .annotate(month=TruncMonth("start", tzinfo=tz))
        .values("month")
        .annotate(visits=Count("pk"), clients=Count("client", distinct=True))
        .order_by("month")
    )
    by_month = {row["month"].date().replace(day=1): row for row in rows}
    result, day = [], first
    for _ in range(12):
        row = by_month.get(day, {})
        result.append(
            {"month": day, "visits": row.get("visits", 0), "clients": row.get("clients", 0)}
        )
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return result


def nice_step(top, ticks=4):
    """A step of 1, 2 or 5 times a power of ten that splits 0..top into about `ticks`."""
    rough = max(top / ticks, 1)
    power = 10 ** (len(str(int(rough))) - 1)
    return next(n * power for n in (1, 2, 5, 10) if n * power >= rough)


def chart(month_rows, width=600, height=160, left=36):
    """Coordinates for a server-drawn SVG: visit bars, a line of clients seen, and the
    values on the left axis. Bars are drawn from x = left; the axis labels sit left of it."""
    highest = max([r["visits"] for r in month_rows] + [r["clients"] for r in month_rows] + [1])
    step_value = nice_step(highest)
    top = -(-highest // step_value) * step_value  # the axis ends on a tick
    plot = height - 20
    ticks = [
        {"value": value, "y": round(height - value / top * plot, 1)}
        for value in range(0, top + 1, step_value)
    ]
    step = (width - left) / len(month_rows)
    bars, points = [], []
    for index, row in enumerate(month_rows):
        bar = row["visits"] / top * plot
        x = left + index * step
        bars.append(
            {
                **row,
                "x": round(x + step * 0.15, 1),
                "w": round(step * 0.7, 1),
                "y": round(height - bar, 1),
                "h": round(bar, 1),
                "label_x": round(x + step / 2, 1),
            }
        )
        points.append(f"{x + step / 2:.1f},{height - row['clients'] / top * plot:.1f}")
    return {
        "bars": bars,
        "line": " ".join(points),
        "ticks": ticks,
        "width": width,
        "height": height,
        "left": left,
    }


def sources(practice):
    """Clients by how they heard of the practice, and how many became regulars
    (three or more completed visits)."""
    visits = Subquery(
        Appointment.objects.filter(client=OuterRef("pk"), status=Status.COMPLETED)
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Client.objects.filter(practice=practice)
        .annotate(visits=Coalesce(visits, 0))
        .values("source")
        .annotate(clients=Count("pk"), regulars=Count("pk", filter=Q(visits__gte=REGULAR_VISITS)))
        .order_by("-clients", "source")
    )
    labels = dict(Client.Source.choices)
    return [
        {
            "source": labels.get(row["source"], "Not recorded"),
            "clients": row["clients"],
            "regulars": row["regulars"],
            "share": percent(row["regulars"], row["clients"]),
        }
        for row in rows
    ]


ATTRIBUTION_WINDOW = datetime.timedelta(days=14)
# What a client is sent that could bring a booking (not the practice's own alerts, nor the
# confirmation that a booking causes).
BRINGING_KINDS = [
    kind
    for kind, spec in KINDS.items()
    if not spec.to_practice and not spec.to_given_address and kind != Kind.BOOKING_CONFIRMATION
]


def brought_back(practice, now):
    """What the follow-ups brought back over the last 12 months, by kind: the messages
    sent, how many were followed by a booking within 14 days, and those bookings' count
    and value. A booking made within 14 days of several messages counts once, for the
    latest before it. Bookings are sessions not cancelled, booked before they started
    (history entered after the fact brought nothing back). A booking's value is the money
    paid for it where that is recorded (`paid` sums those), its price where it is not
    (still to come, or not paid yet). Two queries."""
    since = now - YEAR
    latest_message = FollowUp.objects.filter(
        client=OuterRef("client"),
        status=FollowUp.Status.SENT,
        kind__in=BRINGING_KINDS,
        sent_at__lt=OuterRef("created_at"),
        sent_at__gte=OuterRef("created_at") - ATTRIBUTION_WINDOW,
    ).order_by("-sent_at", "-pk")  # two sent in the same instant: the later planned
    credited = (
        Appointment.objects.filter(
            practice=practice,
            created_at__gte=since,
            created_at__lte=now,
            start__gt=F("created_at"),
            status__in=NOT_CANCELLED,
        )
        .annotate(
            message=Subquery(latest_message.values("pk")[:1]),
            message_kind=Subquery(latest_message.values("kind")[:1]),
        )
        .exclude(message=None)
    )
    credited = payments.money_paid(credited).values_list(
        "message", "message_kind", "price", "money"
    )
    by_message, kinds = {}, {}
    for message, kind, price, money in credited:
        count, value, paid = by_message.get(message, (0, 0, 0))
        known = money is not None
        by_message[message] = (count + 1, value + (money if known else price), paid + (money or 0))
        kinds[message] = kind
    sent = dict(
        FollowUp.objects.filter(
            practice=practice,
            status=FollowUp.Status.SENT,
            kind__in=BRINGING_KINDS,
            sent_at__gte=since - ATTRIBUTION_WINDOW,
            sent_at__lt=now,
        )
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = {}
    empty = {"messages": 0, "bookings": 0, "revenue": 0, "paid": 0}
    for message, (count, value, paid) in by_message.items():
        row = rows.setdefault(kinds[message], dict(empty))
        row["messages"] += 1
        row["bookings"] += count
        row["revenue"] += value
        row["paid"] += paid
    table = [
        {
            "kind": kind,
            "label": Kind(kind).label,
            "sent": sent.get(kind, 0),
            **rows.get(kind, empty),
        }
        for kind in BRINGING_KINDS
        if sent.get(kind) or kind in rows
    ]
    table.sort(key=lambda row: -row["revenue"])
    return {
        "rows": table,
        "bookings": sum(row["bookings"] for row in table),
        "revenue": sum(row["revenue"] for row in table),
        "paid": sum(row["paid"] for row in table),
    }
