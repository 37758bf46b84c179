"""The therapist's side of online booking: the usual week, time off, and their own bookings
meeting the same rule against overlaps."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from sessions.models import Appointment, TimeOff, WorkingHours

from ..factories import AppointmentFactory, ClientFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 10, 18, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def week(**days):
    """The form's data: {"starts_0": "09:00", "ends_0": "13:00", ...}."""
    data = {f"{end}_{n}": "" for n in range(7) for end in ("starts", "ends")}
    data.update(days)
    return data


def test_a_member_sets_their_week(owner_client, practice, owner):
    response = owner_client.post(
        reverse("sessions:hours"),
        week(starts_0="09:00", ends_0="13:00", starts_2="14:00", ends_2="18:30"),
    )
    assert response.status_code == 302
    hours = WorkingHours.objects.filter(practice=practice, therapist=owner)
    assert [(h.weekday, f"{h.starts:%H:%M}", f"{h.ends:%H:%M}") for h in hours] == [
        (0, "09:00", "13:00"),
        (2, "14:00", "18:30"),
    ]
    page = owner_client.get(reverse("sessions:hours")).content.decode()
    assert 'value="09:00"' in page and 'value="18:30"' in page


def test_half_a_day_or_an_end_before_the_start_is_explained_next_to_the_day(owner_client, practice):
    response = owner_client.post(
        reverse("sessions:hours"), week(starts_0="09:00", starts_1="15:00", ends_1="10:00")
    )
    errors = response.context["form"].errors
    assert errors["ends_0"] == ["Give both times for Monday, or neither."]
    assert errors["ends_1"] == ["The end is before the start."]
    assert 'value="15:00"' in response.content.decode()  # what was typed stays
    assert not WorkingHours.objects.filter(practice=practice).exists()


def test_time_off_is_added_and_removed(owner_client, practice, owner):
    owner_client.post(
        reverse("sessions:time_off_add"),
        {
            "starts_at": "2026-10-26T09:00",
            "ends_at": "2026-10-26T13:00",
            "reason": "Dentist",
        },
    )
    entry = TimeOff.objects.get(practice=practice)
    assert (entry.therapist, entry.reason) == (owner, "Dentist")
    assert entry.starts_at == datetime.datetime(2026, 10, 26, 9, tzinfo=LONDON)

    bad = owner_client.post(
        reverse("sessions:time_off_add"),
        {"starts_at": "2026-10-27T13:00", "ends_at": "2026-10-27T09:00", "reason": "Kept"},
    )
    assert bad.context["time_off_form"].errors["ends_at"] == ["The end is before the start."]
    assert 'value="Kept"' in bad.content.decode()

    owner_client.post(reverse("sessions:time_off_remove", args=[entry.public_id]))
    assert not TimeOff.objects.filter(practice=practice).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint")
def test_the_therapists_own_booking_and_move_meet_the_same_rule(owner_client, practice, owner):
    WorkingHours.objects.create(
        practice=practice,
        therapist=owner,
        weekday=0,
        starts=datetime.time(9),
        ends=datetime.time(17),
    )
    client = ClientFactory(practice=practice)
    booked = AppointmentFactory(
        client=client, therapist=owner, start=datetime.datetime(2026, 10, 19, 10, tzinfo=LONDON)
    )

    page = owner_client.post(
        reverse("sessions:create"),
        {"client": client.pk, "start": "2026-10-19T10:30", "duration_minutes": 60, "price": 60},
    )
    assert page.context["form"].errors["start"] == [
        "This overlaps another session of the same therapist (or the free time after it)."
    ]
    assert Appointment.objects.filter(practice=practice).count() == 1

    later = owner_client.post(
        reverse("sessions:create"),
        {"client": client.pk, "start": "2026-10-19T14:00", "duration_minutes": 60, "price": 60},
    )
    assert later.status_code == 302
    moved = owner_client.post(
        reverse("sessions:reschedule", args=[booked.public_id]),
        {"start": "2026-10-19T14:30", "duration_minutes": 60},
    )
    assert "This overlaps another session" in moved.content.decode()
    booked.refresh_from_db()
    assert booked.start == datetime.datetime(2026, 10, 19, 10, tzinfo=LONDON)
