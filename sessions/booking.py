"""Clients booking, moving and cancelling their own sessions.

Every change checks the time against the therapist's calendar inside a transaction; on
PostgreSQL the exclusion constraint of migration 0008 is the last word, so of two clients
who choose the same time at once exactly one gets it and the other hears it was just taken.
The follow-up engine hears of each booking through post_save (confirmation, reminder,
intake link for a new client), as it does for the therapist's bookings.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from clients.models import Client, hash_token
from clients.services import find_existing_client

from . import availability, services
from .availability import Unavailable
from .models import Appointment, BookingHold, BookingLink, Service, WaitlistEntry


def book(practice, service, start, client, *, via, now=None, ignore=None):
    """Book `client` for `service` at `start`, or raise Unavailable. `ignore`: the hold
    this booking confirms (its own time is not in its way)."""
    with transaction.atomic():
        therapist_id = availability.check(practice, service, start, now=now, ignore=ignore)
        appointment = Appointment(
            practice=practice,
            client=client,
            service=service,
            therapist_id=therapist_id,
            start=start,
            duration_minutes=service.duration_minutes,
            price=service.price,
            booked_via=via,
            awaiting_confirmation=via != Appointment.Via.PRACTICE
            and practice.confirm_online_bookings,
        )
        availability.save_unless_taken(appointment)
        close_waiting(appointment)
    return appointment


def client_for(hold):
    """Who a confirmed hold books for. Confirming proves only the address or number the
    link went to: the practice's client with that one (nothing of theirs changes), or a
    new client with what was typed, who agreed to hear by that channel. The other detail
    typed, unproven, is left out when it is already someone's."""
    practice = hold.practice
    email, mobile = (hold.email, "") if hold.channel == "email" else ("", hold.mobile)
    existing = find_existing_client(practice, email, mobile)
    if existing is not None:
        return existing
    if hold.channel == "email" and find_existing_client(practice, "", hold.mobile) is None:
        mobile = hold.mobile
    if hold.channel == "sms" and find_existing_client(practice, hold.email, "") is None:
        email = hold.email
    client = Client.objects.create(
        practice=practice,
        first_name=hold.first_name,
        last_name=hold.last_name,
        email=email,
        mobile=mobile,
        preferred_channel=hold.channel,
    )
    client.record_consent(hold.channel, True, "booking page")
    return client


def confirm(appointment, now=None):
    """The client says they are coming."""
    appointment.confirmed_at = now or timezone.now()
    appointment.save(update_fields=["confirmed_at", "updated_at"])
    return appointment


def accept(appointment):
    """The therapist confirms a booking a client asked for: now it is booked."""
    appointment.awaiting_confirmation = False
    appointment.save(update_fields=["awaiting_confirmation", "updated_at"])
    return appointment


def decline(appointment, by):
    """The therapist cannot take a booking a client asked for: its time is freed."""
    return services.change_status(
        appointment,
        Appointment.Status.CANCELLED_PRACTICE,
        by=by,
        reason="The practice could not take this booking",
    )


def can_change(appointment, now=None):
    """Whether the client may still move or cancel it without calling (the practice's
    notice period)."""
    now = now or timezone.now()
    notice = datetime.timedelta(hours=appointment.practice.cancellation_notice_hours)
    return appointment.is_booked and appointment.start - notice > now


def move(appointment, start, *, now=None):
    """Move the client's session to `start`, or raise Unavailable."""
    now = now or timezone.now()
    if not appointment.is_booked or appointment.start <= now:
        raise Unavailable("This session can no longer be moved.", "closed")
    if not can_change(appointment, now):
        hours = appointment.practice.cancellation_notice_hours
        raise Unavailable(
            f"Sessions can be moved here until {hours} hours before they start. "
            "Please call us to move this one.",
            "notice",
        )
    service = appointment.service
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        therapist_id = availability.check(
            appointment.practice, service, start, now=now, ignore=locked
        )
        earlier = start < locked.start
        locked.start, locked.therapist_id = start, therapist_id
        availability.save_unless_taken(locked)
        if earlier:
            close_waiting(locked)
    return locked


def cancel(appointment, *, now=None, reason="Cancelled by the client from their link"):
    """Cancel the client's session; inside the notice period it is a late cancellation,
    which counts towards the practice's boundaries."""
    now = now or timezone.now()
    if not appointment.is_booked or appointment.start <= now:
        raise Unavailable("This session can no longer be cancelled.", "closed")
    late = not can_change(appointment, now)
    status = Appointment.Status.LATE_CANCELLATION if late else Appointment.Status.CANCELLED_CLIENT
    return services.change_status(appointment, status, by=None, reason=reason)


def issue_link(client, service=None, now=None, offer=None):
    """A new personal link for `client`; returns its token (only the hash is kept). With
    `offer`, a cancelled session, the link takes that session's time."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(16)
    BookingLink.objects.create(
        practice=client.practice,
        client=client,
        service=service,
        offer=offer,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + BookingLink.LIFETIME,
    )
    return token


def last_service(client):
    """The service of the client's latest session that can still be booked online."""
    latest = (
        Appointment.objects.filter(
            client=client, service__bookable_online=True, service__active=True
        )
        .exclude(status__in=Appointment.CANCELLED)
        .order_by("-start")
        .select_related("service")
        .first()
    )
    return latest.service if latest else None


def upcoming(client, now=None):
    return (
        Appointment.objects.filter(
            client=client, status=Appointment.Status.BOOKED, start__gt=now or timezone.now()
        )
        .select_related("service")
        .order_by("start")
    )


def hold_from_page(practice, service, start, details, *, now=None):
    """The public booking page: hold the time for whoever typed these details until they
    confirm it from the link sent to the address or number of the channel they chose
    (planned by the outbox when the hold is saved). Known address or new, the same
    happens, so the page tells nobody who is a client. Raises Unavailable."""
    now = now or timezone.now()
    with transaction.atomic():
        therapist_id = availability.check(practice, service, start, now=now)
        hold = BookingHold(
            practice=practice,
            service=service,
            therapist_id=therapist_id,
            start=start,
            first_name=details["first_name"],
            last_name=details["last_name"],
            email=details["email"],
            mobile=details["mobile"],
            channel=details["preferred_channel"],
            voucher_code=details.get("code", ""),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=settings.BOOKING_HOLD_MINUTES),
        )
        hold.set_busy()
        availability.lock_calendar(therapist_id)
        if not availability.still_free(practice, therapist_id, hold.busy_from, hold.busy_until):
            raise Unavailable(availability.TAKEN, "taken")
        hold.save()
    return hold


def issue_hold_token(hold):
    """A new token for the hold's confirmation link (an earlier one stops working)."""
    token = secrets.token_urlsafe(16)  # 128 bits, for half an hour: short enough for a text
    BookingHold.objects.filter(pk=hold.pk).update(token_hash=hash_token(token))
    return token


def hold_for_token(token, now=None):
    """The hold a confirmation link is for, while it can still be confirmed, or None."""
    return (
        BookingHold.objects.active(now)
        .select_related("practice", "service")
        .filter(token_hash=hash_token(token))
        .first()
    )


def confirm_hold(hold, *, now=None, paid=False):
    """The person who asked confirms from their link: the booking is made for the client
    client_for names, as if booked now (its confirmation and reminder follow), and the hold
    is done. Raises Unavailable when the time has gone after all. A deposit paid in time
    (`paid`) confirms it even when the report of the payment arrives after the hold ran
    out, as long as the time is still free."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = BookingHold.objects.select_for_update().filter(pk=hold.pk).first()
        over = locked is not None and locked.expires_at <= now and not paid
        if locked is None or locked.confirmed_at is not None or over:
            raise Unavailable("This link has been used or has expired.", "closed")
        availability.lock_calendar(locked.therapist_id)
        client = client_for(locked)
        appointment = book(
            locked.practice,
            locked.service,
            locked.start,
            client,
            via=Appointment.Via.BOOKING_PAGE,
            now=now,
            ignore=locked,
        )
        if locked.voucher_code:
            Appointment.objects.filter(pk=appointment.pk).update(voucher_code=locked.voucher_code)
            appointment.voucher_code = locked.voucher_code
        locked.confirmed_at, locked.appointment = now, appointment
        locked.save(update_fields=["confirmed_at", "appointment"])
    return appointment


def forget_old_holds(now=None):
    """What strangers typed is not kept: holds are deleted a day after they were made."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=1)
    return BookingHold.objects.filter(created_at__lt=cutoff).delete()[0]


def link_for_token(token, now=None):
    """The usable personal link for a token, or None (unknown, expired and erased look
    the same)."""
    return (
        BookingLink.objects.usable(now)
        .select_related("practice", "client", "service")
        .filter(token_hash=hash_token(token))
        .first()
    )


def bookable_services(practice):
    return Service.objects.filter(practice=practice, active=True, bookable_online=True)


# --- The waitlist ---------------------------------------------------------------------


def wait_for_earlier(client, service, appointment=None):
    """Put the client on the waitlist for `service` (earlier than `appointment` if given);
    asking twice keeps one entry."""
    entry, _ = WaitlistEntry.objects.get_or_create(
        practice=client.practice,
        client=client,
        service=service,
        appointment=appointment,
        closed_at=None,
    )
    return entry


def waiting_for(freed, now=None):
    """The waitlist entries a freed session's time is worth offering to, first come first:
    same service, another client, still wanting a time before this one, and far enough
    ahead to be booked online. Entries whose
    session has gone (cancelled, held, or already earlier) are closed on the way."""
    now = now or timezone.now()
    if freed.service_id is None or freed.start < availability.window(freed.service, now)[0]:
        return []  # too soon for anyone to book it online
    entries = (
        WaitlistEntry.objects.filter(practice=freed.practice, service=freed.service, closed_at=None)
        .exclude(client=freed.client)
        .select_related("client", "appointment")
        .order_by("created_at")
    )
    wanted, stale = [], []
    for entry in entries:
        held = entry.appointment
        if held is not None and (not held.is_booked or held.start <= now):
            stale.append(entry.pk)
        elif held is None or held.start > freed.start:
            wanted.append(entry)
    WaitlistEntry.objects.filter(pk__in=stale).update(closed_at=now)
    return wanted


def close_waiting(appointment, now=None):
    """The client took an earlier time for this session: they wait no more for it."""
    WaitlistEntry.objects.filter(
        client=appointment.client, service=appointment.service, closed_at=None
    ).filter(models.Q(appointment=appointment) | models.Q(appointment=None)).update(
        closed_at=now or timezone.now()
    )
