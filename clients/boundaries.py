"""Boundary counts: how often, in the last 12 months, a client arrived late, did not come,
cancelled late or left a session unpaid, against the limits the practice set. They are
read from the client's appointments through the reverse relation, so this module needs
nothing from the sessions app; the client list and page show them early, before moving a
client on becomes the only way out."""

import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from .models import Client

LIMITS = (
    ("late_arrivals", "late arrival", "late_arrival_limit"),
    ("no_shows", "no-show", "no_show_limit"),
    ("late_cancellations", "late cancellation", "late_cancellation_limit"),
    ("unpaid", "unpaid session", "unpaid_limit"),
)


COUNT_FIELDS = ("late_arrivals", "minutes_late", "no_shows", "late_cancellations", "unpaid")


def boundary_counts(since):
    """Aggregates over a client's appointments since `since`, for annotate() or aggregate()."""
    recent = Q(appointments__start__gte=since)
    return {
        "late_arrivals": Count(
            "appointments", filter=recent & Q(appointments__minutes_late__gt=0), distinct=True
        ),
        "minutes_late": Sum("appointments__minutes_late", filter=recent),
        "no_shows": Count(
            "appointments", filter=recent & Q(appointments__status="no_show"), distinct=True
        ),
        "late_cancellations": Count(
            "appointments",
            filter=recent & Q(appointments__status="late_cancellation"),
            distinct=True,
        ),
        "unpaid": Count(
            "appointments",
            filter=recent & Q(appointments__unpaid=True, appointments__status="completed"),
            distinct=True,
        ),
    }


def annotate_counts(clients):
    """Give each client (already fetched, e.g. one page) its boundary counts; one query."""
    by_pk = {client.pk: client for client in clients}
    rows = (
        Client.objects.filter(pk__in=by_pk)
        .annotate(**boundary_counts(twelve_months_ago()))
        .values("pk", *COUNT_FIELDS)
    )
    for row in rows:
        client = by_pk[row.pop("pk")]
        for name, value in row.items():
            setattr(client, name, value)
    return clients


def twelve_months_ago():
    return timezone.now() - datetime.timedelta(days=365)


def boundary_lines(client_row, practice):
    """[(text, over_limit)] from a client annotated with boundary_counts()."""
    lines = []
    for field, label, limit_field in LIMITS:
        count = getattr(client_row, field) or 0
        if count:
            limit = getattr(practice, limit_field)
            plural = "s" if count != 1 else ""
            text = f"{count} {label}{plural}"
            if field == "late_arrivals" and client_row.minutes_late:
                text += f" ({client_row.minutes_late} min in all)"
            lines.append((text, count >= limit))
    return lines
