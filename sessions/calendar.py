"""The private iCalendar feed: times and first names only, never health data."""

import secrets

import icalendar
from django.db.models import F
from django.utils import timezone

from clients.models import hash_token

from .models import Appointment, CalendarFeed

PAST_DAYS = 30
FUTURE_DAYS = 365


def issue_feed(practice, user):
    """Replace the member's feed with a new one; return the token (shown once)."""
    now = timezone.now()
    CalendarFeed.objects.filter(practice=practice, user=user, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(practice=practice, user=user, token_hash=hash_token(token))
    return token


def feed_for_token(token):
    """The live feed for a token, or None (unknown and revoked look the same). A feed
    lives only while its owner is an active member of its practice: removing a member
    revokes her feeds, and this check holds even where that was missed."""
    return (
        CalendarFeed.objects.filter(
            token_hash=hash_token(token),
            revoked_at__isnull=True,
            user__is_active=True,
            user__memberships__practice=F("practice"),
        )
        .select_related("practice")
        .first()
    )


def revoke_feeds(practice, user):
    """Every calendar address this member holds in this practice stops working."""
    return CalendarFeed.objects.filter(practice=practice, user=user, revoked_at=None).update(
        revoked_at=timezone.now()
    )


def build_calendar(practice, now=None):
    now = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Massage practice//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{practice.name} sessions")
    appointments = (
        Appointment.objects.filter(
            practice=practice,
            start__gte=now - timezone.timedelta(days=PAST_DAYS),
            start__lte=now + timezone.timedelta(days=FUTURE_DAYS),
        )
        .exclude(status__in=Appointment.CANCELLED)
        .filter(client__erased_at=None)
        .select_related("client", "service")
        .order_by("start")
    )
    for appointment in appointments:
        calendar.add_component(event_for(appointment))
    return calendar


def event_for(appointment):
    event = icalendar.Event()
    event.add("uid", f"{appointment.public_id}@sessions")
    event.add("dtstamp", appointment.updated_at)
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    # A first name and initial: enough to recognise the booking on a locked phone screen.
    client = appointment.client
    initial = f" {client.last_name[:1]}." if client.last_name else ""
    service = f" · {appointment.service.name}" if appointment.service else ""
    event.add("summary", f"{client.first_name}{initial}{service}")
    if appointment.status != Appointment.Status.BOOKED:
        event.add("description", appointment.get_status_display())
    return event


def invite_for(appointment):
    """The .ics file a client's confirmation carries: one event, which a later
    confirmation of the same session (after a move) replaces in their calendar."""
    practice = appointment.practice
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Massage practice//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{appointment.public_id}@bookings")
    event.add("dtstamp", timezone.now())
    # Calendars keep the copy with the highest sequence: each move is a later one.
    event.add("sequence", int(appointment.updated_at.timestamp()))
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    service = f" ({appointment.service.name})" if appointment.service else ""
    event.add("summary", f"Massage at {practice.name}{service}")
    if appointment.service and appointment.service.at_home:
        event.add("location", "At your home")
    elif practice.address:
        event.add("location", " ".join(practice.address.split()))
    contact = " · ".join(filter(None, [practice.phone, practice.email]))
    if contact:
        event.add("description", f"To change it, contact {practice.name}: {contact}")
    calendar.add_component(event)
    return calendar.to_ical()
