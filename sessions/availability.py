"""Free times: when a client may book a service.

A start time is free for a therapist when the session lies inside their working hours
that day (the practice's local time, so 09:00 stays 09:00 across the clock change), none
of it falls in their time off or a closure of the whole practice, and its busy span (travel
before, free time after) overlaps none of their sessions that are not cancelled, nor a time
someone is holding while they confirm it (BookingHold). Sessions booked before therapists
had calendars belong to nobody and keep every therapist busy.

Whatever the horizon, the answer costs three queries: the hours, the time off, the sessions
and holds together.
"""

import bisect
import datetime
import itertools
import zoneinfo
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.utils import timezone

from practice import dates

from .models import Appointment, BookingHold, TimeOff, WorkingHours

UTC = datetime.UTC
# Start times are offered every half hour: enough choice on a phone without a wall of buttons.
STEP = datetime.timedelta(minutes=30)
# The longest busy span a session can have (10 hours plus travel and rest on both sides):
# sessions that start this long before a window can still reach into it.
LONGEST = datetime.timedelta(hours=18)
# The first key of the advisory lock that guards a therapist's calendar (see lock_calendar).
CALENDAR_LOCK = 7301


@dataclass(frozen=True)
class Slot:
    start: datetime.datetime  # UTC
    therapist_id: int


class Calendar:
    """One therapist's busy times, sorted, answering "is this span free?" by bisection:
    a month of a busy practice's diary is thousands of spans and hundreds of start times."""

    def __init__(self, spans):
        spans = sorted(spans)
        self.starts = [since for since, _ in spans]
        self.latest_end = list(itertools.accumulate((until for _, until in spans), max))

    def overlaps(self, since, until):
        # Spans starting before `until`; the latest end among them decides.
        count = bisect.bisect_left(self.starts, until)
        return count > 0 and self.latest_end[count - 1] > since


@dataclass(frozen=True)
class Day:
    date: datetime.date
    label: str  # "Monday 14 December"
    slots: list


class Unavailable(Exception):
    """Why a time cannot be booked, in words for the client."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


def iso(moment):
    """A start time as the booking pages and links write it (UTC, to the minute)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


TAKEN = "Sorry, that time was just taken. Here are the next free times."


def save_unless_taken(appointment):
    """Save the session in a savepoint. On PostgreSQL the database refuses a session that
    overlaps another of the same therapist (migration 0008): someone was quicker.

    Two overlapping sessions saved at the same instant each wait for the other's check of
    the constraint; PostgreSQL ends that deadlock by failing one of them, whose time the
    other then takes, so that failure means "taken" too."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        if "not_double_booked" not in str(error):
            raise
        raise Unavailable(TAKEN, "taken") from error
    except OperationalError as error:
        if not is_deadlock_on_the_calendar(error):
            raise
        raise Unavailable(TAKEN, "taken") from error


def is_deadlock_on_the_calendar(error):
    deadlock = getattr(error.__cause__, "sqlstate", None) == "40P01"
    return deadlock and "exclusion constraint" in str(error)


def window(service, now):
    """The first and last moment a session of `service` may start, booked at `now`."""
    return (
        now + datetime.timedelta(hours=service.min_notice_hours),
        now + datetime.timedelta(days=service.horizon_days),
    )


def free_days(practice, service, *, now=None, ignore=None):
    """The days of the service's horizon that have a free time, each with its times."""
    now = now or timezone.now()
    earliest, latest = window(service, now)
    slots = free_slots(practice, service, earliest, latest, ignore=ignore)
    by_day = {}
    for slot in slots:
        local = dates.local(slot.start, practice)
        by_day.setdefault(local.date(), []).append(slot)
    return [
        Day(date=day, label=dates.weekday(day, practice), slots=day_slots)
        for day, day_slots in sorted(by_day.items())
    ]


def check(practice, service, start, *, now=None, ignore=None):
    """The therapist who is free for a session of `service` at `start`; else Unavailable
    saying why (past, too soon, too far ahead, outside hours, taken)."""
    now = now or timezone.now()
    earliest, latest = window(service, now)
    if start <= now:
        raise Unavailable("That time has passed. Choose one of the times below.", "past")
    if start < earliest:
        raise Unavailable(
            f"Sessions are booked at least {service.min_notice_hours} hours ahead. "
            "Choose a later time, or call us.",
            "too_soon",
        )
    if start > latest:
        raise Unavailable(
            f"We take bookings up to {service.horizon_days} days ahead. Choose an earlier time.",
            "too_far",
        )
    slots = free_slots(practice, service, start, start, ignore=ignore, any_start=True)
    if slots:
        return slots[0].therapist_id
    if not in_hours(practice, service, start):
        raise Unavailable(
            "We are not working at that time. Choose one of the times below.", "hours"
        )
    raise Unavailable("Sorry, that time was just taken. Here are the next free times.", "taken")


def in_hours(practice, service, start):
    tz = zoneinfo.ZoneInfo(practice.time_zone)
    local = start.astimezone(tz)
    end = (start + datetime.timedelta(minutes=service.duration_minutes)).astimezone(tz)
    return WorkingHours.objects.filter(
        practice=practice, weekday=local.weekday(), starts__lte=local.time(), ends__gte=end.time()
    ).exists()


def free_slots(practice, service, earliest, latest, *, ignore=None, any_start=False):
    """Free start times between `earliest` and `latest` (inclusive), by time.

    With `any_start`, `earliest` itself is tried even when it is not on the half-hour grid
    (the therapist's own booking form may use any minute)."""
    tz = zoneinfo.ZoneInfo(practice.time_zone)
    length = datetime.timedelta(minutes=service.duration_minutes)
    before, after = (datetime.timedelta(minutes=m) for m in service.busy_minutes())

    hours = list(WorkingHours.objects.filter(practice=practice))
    if not hours:
        return []
    span_from, span_until = earliest - before, latest + length + after
    closed = list(
        TimeOff.objects.filter(
            practice=practice, starts_at__lt=span_until, ends_at__gt=span_from
        ).values_list("therapist_id", "starts_at", "ends_at")
    )
    taken = list(busy_spans(practice, span_from - LONGEST, span_until, ignore=ignore))

    busy = {}  # therapist id (None: everyone) -> [(from, until)]
    for therapist_id, starts_at, ends_at in closed:
        busy.setdefault(therapist_id, []).append((starts_at, ends_at))
    for therapist_id, busy_from, busy_until, start in taken:
        busy.setdefault(therapist_id, []).append((busy_from or start, busy_until or start))
    calendars = {
        therapist_id: Calendar(busy.get(therapist_id, []) + busy.get(None, []))
        for therapist_id in {stretch.therapist_id for stretch in hours}
    }

    slots = []
    first_day = earliest.astimezone(tz).date()
    last_day = latest.astimezone(tz).date()
    for offset in range((last_day - first_day).days + 1):
        day = first_day + datetime.timedelta(days=offset)
        for stretch in hours:
            if stretch.weekday != day.weekday():
                continue
            # Local wall-clock times made aware in the practice's zone, then worked in UTC.
            opens = datetime.datetime.combine(day, stretch.starts, tzinfo=tz).astimezone(UTC)
            closes = datetime.datetime.combine(day, stretch.ends, tzinfo=tz).astimezone(UTC)
            starts = [earliest] if any_start else grid(opens, closes - length, earliest, latest)
            calendar = calendars[stretch.therapist_id]
            for start in starts:
                if not (opens <= start and start + length <= closes):
                    continue
                if calendar.overlaps(start - before, start + length + after):
                    continue
                slots.append(Slot(start, stretch.therapist_id))
    slots.sort(key=lambda slot: (slot.start, slot.therapist_id))
    unique = []
    for slot in slots:  # one button per time, whoever is free then
        if not unique or unique[-1].start != slot.start:
            unique.append(slot)
    return unique


def busy_spans(practice, since, until, *, ignore=None, therapist_id=None):
    """(therapist id, busy from, busy until, start) of the uncancelled sessions and the
    active holds starting from `since` to before `until`, in one query. `ignore` is a
    session or a hold (the one being moved or confirmed) left out."""
    sessions = Appointment.objects.filter(
        practice=practice, start__gte=since, start__lt=until
    ).exclude(status__in=Appointment.CANCELLED)
    holds = BookingHold.objects.active().filter(
        practice=practice, start__gte=since, start__lt=until
    )
    if isinstance(ignore, BookingHold):
        holds = holds.exclude(pk=ignore.pk)
    elif ignore is not None:
        sessions = sessions.exclude(pk=ignore.pk)
    if therapist_id is not None:  # theirs, and those that keep everyone busy
        mine = models.Q(therapist_id=therapist_id) | models.Q(therapist_id=None)
        sessions, holds = sessions.filter(mine), holds.filter(mine)
    columns = ("therapist_id", "busy_from", "busy_until", "start")
    return (
        sessions.order_by()
        .values_list(*columns)
        .union(holds.order_by().values_list(*columns), all=True)
    )


def lock_calendar(therapist_id):
    """Take the therapist's calendar for the rest of the transaction (PostgreSQL): a hold
    is checked and written while no other hold or confirmation for them is. The exclusion
    constraint guards sessions against sessions; holds live in a table of their own."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [CALENDAR_LOCK, therapist_id or 0]
            )


def still_free(practice, therapist_id, busy_from, busy_until, *, ignore=None):
    """Whether nothing (session or hold) of this therapist overlaps the span now."""
    spans = busy_spans(
        practice, busy_from - LONGEST, busy_until, ignore=ignore, therapist_id=therapist_id
    )
    return not any(
        (start_from or start) < busy_until and (start_until or start) > busy_from
        for _, start_from, start_until, start in spans
    )


def grid(first, last, earliest, latest):
    """Start times from `first` to `last` on the half-hour grid, within the window."""
    moment = first
    while moment <= last:
        if earliest <= moment <= latest:
            yield moment
        moment += STEP


def next_free(practice, service, *, now=None, count=6, ignore=None):
    """The first few free times, for "that time was just taken"."""
    slots = []
    for day in free_days(practice, service, now=now, ignore=ignore):
        slots.extend(day.slots)
        if len(slots) >= count:
            break
    return slots[:count]


def therapist_for(practice, user):
    """Whose calendar a session the practice books goes in: the member booking it if they
    have working hours, else the practice's one therapist who has; else nobody's (it then
    keeps every therapist busy)."""
    therapists = set(
        WorkingHours.objects.filter(practice=practice).values_list("therapist_id", flat=True)
    )
    if user.pk in therapists:
        return user.pk
    return therapists.pop() if len(therapists) == 1 else None
