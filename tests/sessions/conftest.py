"""A practice open for booking online, on London's clock, and a service to book."""

import datetime

import pytest

from sessions.models import Service, WorkingHours


@pytest.fixture
def open_practice(practice, owner, settings):
    settings.SITE_URL = "http://testserver"
    practice.time_zone = "Europe/London"
    practice.online_booking = True
    practice.email = "hello@calmhands.example"
    practice.cancellation_notice_hours = 24
    practice.save()
    Service.objects.filter(practice=practice).update(bookable_online=False)
    # Mondays 09:00 to 13:00.
    WorkingHours.objects.create(
        practice=practice,
        therapist=owner,
        weekday=0,
        starts=datetime.time(9),
        ends=datetime.time(13),
    )
    return practice


@pytest.fixture
def service(open_practice):
    return Service.objects.create(
        practice=open_practice,
        name="Deep tissue, 60 minutes",
        duration_minutes=60,
        price=70,
        buffer_minutes=15,
        min_notice_hours=12,
        horizon_days=28,
    )
