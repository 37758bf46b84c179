import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from practice import dates
from practice.models import Practice
from sessions.models import Appointment

from ..factories import ClientFactory

LONDON_NOON_IN_SUMMER = datetime.datetime(2026, 7, 6, 11, 0, tzinfo=datetime.UTC)
LONDON_TEN_IN_WINTER = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("country", "time_zone", "moment", "expected"),
    [
        ("GB", "Europe/London", LONDON_TEN_IN_WINTER, "Monday 23 November at 10:00"),
        ("GB", "Europe/London", LONDON_NOON_IN_SUMMER, "Monday 6 July at 12:00"),
        ("US", "America/New_York", LONDON_TEN_IN_WINTER, "Mon, November 23 at 5:00\u202fAM"),
        ("IE", "Europe/Dublin", LONDON_TEN_IN_WINTER, "Monday 23 November at 10:00"),
    ],
)
def test_a_session_time_reads_as_the_practices_country_writes_it(
    country, time_zone, moment, expected
):
    practice = Practice(name="P", country=country, time_zone=time_zone)
    assert dates.when(moment, practice) == expected


def test_a_country_with_no_english_of_its_own_falls_back_to_international_english():
    practice = Practice(name="P", country="AQ", time_zone="UTC")
    assert dates.day(datetime.date(2026, 3, 5), practice) == "5 March 2026"


@time_machine.travel(datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_the_booking_message_gives_the_date_in_words(owner_client, practice):
    client = ClientFactory(practice=practice, first_name="Ada", last_name="Stone")
    response = owner_client.post(
        reverse("sessions:create"),
        {"client": client.pk, "start": "2026-11-23T10:00", "duration_minutes": "60", "price": "60"},
    )

    assert Appointment.objects.filter(client=client).exists(), response.content.decode()
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Booked Ada Stone on Monday 23 November at 10:00."
