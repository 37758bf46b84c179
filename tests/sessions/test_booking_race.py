"""Two clients press "Book" for the same time at the same moment, against PostgreSQL.

Both requests pass the check in Python before either has saved (a barrier holds each one
right after its check), so only the database's exclusion constraint can keep them apart.
"""

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test import Client as Browser
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.models import Client
from practice.models import Membership
from sessions import availability
from sessions.models import Appointment, BookingHold, Service, WorkingHours

from ..factories import ClientFactory, MembershipFactory, PracticeFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 10, 18, 12, 0, tzinfo=LONDON)
START = datetime.datetime(2026, 10, 19, 10, 0, tzinfo=LONDON)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint"),
    pytest.mark.django_db(transaction=True),
]


def test_of_two_clients_booking_one_time_at_once_exactly_one_gets_it(monkeypatch, settings):
    settings.BOOKING_FORM_RATE = "100/h"
    practice = PracticeFactory(name="Calm Hands", time_zone="Europe/London", online_booking=True)
    owner = MembershipFactory(practice=practice, role=Membership.Role.OWNER).user
    WorkingHours.objects.create(
        practice=practice,
        therapist=owner,
        weekday=0,
        starts=datetime.time(9),
        ends=datetime.time(13),
    )
    Service.objects.filter(practice=practice).update(bookable_online=False)
    service = Service.objects.create(
        practice=practice, name="Massage", duration_minutes=60, price=60, min_notice_hours=1
    )

    both_checked = threading.Barrier(2, timeout=20)
    real_check = availability.check

    def check_then_wait(*args, **kwargs):
        therapist = real_check(*args, **kwargs)
        both_checked.wait()  # each has seen the time free; now both try to save it
        return therapist

    monkeypatch.setattr(availability, "check", check_then_wait)
    url = reverse("booking:details", args=[practice.slug, service.public_id])
    url += "?at=2026-10-19T09:00Z"
    pages, errors = {}, []

    def book(name):
        try:
            pages[name] = Browser().post(
                url,
                {
                    "first_name": name,
                    "last_name": "Client",
                    "email": f"{name.lower()}@example.com",
                    "preferred_channel": "email",
                },
            )
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(name,)) for name in ("Ana", "Ben")]
    with time_machine.travel(NOW, tick=False):  # the clock is the whole process's
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    codes = sorted(page.status_code for page in pages.values())
    assert codes == [200, 302]
    loser = next(page for page in pages.values() if page.status_code == 200)
    assert "Sorry, that time was just taken. Here are the next free times." in (
        loser.content.decode()
    )
    held = BookingHold.objects.filter(practice=practice, start=START)
    assert held.count() == 1  # the time is held for one of them, to confirm by e-mail
    # Nobody's record is made before a confirmation, the winner's or the loser's.
    assert not Client.objects.filter(practice=practice).exists()
    assert not Appointment.objects.filter(practice=practice).exists()


def test_two_bookings_that_deadlock_on_the_calendar_are_both_told_taken():
    """Each of two transactions holds one session and then asks for a time overlapping
    the other's: PostgreSQL fails one with a deadlock, the other then meets the
    constraint. Neither may answer with an error page; both hear the time was taken."""
    practice = PracticeFactory(name="Calm Hands", time_zone="Europe/London")
    owner = MembershipFactory(practice=practice, role=Membership.Role.OWNER).user
    client = ClientFactory(practice=practice)

    def session(hour, minute=0):
        start = datetime.datetime(2026, 10, 19, hour, minute, tzinfo=LONDON)
        return Appointment(practice=practice, client=client, therapist=owner, start=start)

    both_hold_one = threading.Barrier(2, timeout=20)
    answers, errors = {}, []

    def hold_then_ask(name, held, wanted):
        try:
            with scopes_disabled(), transaction.atomic():  # a thread starts with no scope
                held.save()
                both_hold_one.wait()
                try:
                    availability.save_unless_taken(wanted)
                    answers[name] = "booked"
                except availability.Unavailable as error:
                    answers[name] = error.code
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=hold_then_ask, args=("a", session(10), session(13, 30))),
        threading.Thread(target=hold_then_ask, args=("b", session(13), session(10, 30))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert answers == {"a": "taken", "b": "taken"}
    assert sorted(
        Appointment.objects.filter(practice=practice).values_list("start__hour", flat=True)
    ) == [10, 13]
