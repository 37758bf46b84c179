"""Texts are written as texts: their own short wording, billed as one text for a plain name."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from followups import dispatch, kinds, sms, wording
from followups.models import Channel, FollowUp, Kind, Rule
from sessions.models import Appointment, BookingHold

from ..factories import AppointmentFactory, ClientFactory, FollowUpFactory, ServiceFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOON = datetime.datetime(2026, 9, 23, 12, 0, tzinfo=LONDON)  # a long weekday and month


@pytest.mark.parametrize(
    ("text", "segments", "unicode"),
    [
        ("a" * 160, 1, False),
        ("a" * 161, 2, False),
        ("a" * 306, 2, False),
        ("a" * 307, 3, False),
        ("€" * 80, 1, False),  # two places each
        ("€" * 81, 2, False),
        ("Siân" + "a" * 66, 1, True),
        ("Siân" + "a" * 67, 2, True),
        ("Siân" + "a" * 130, 2, True),
        ("Siân" + "a" * 131, 3, True),
        ("🙂" * 35, 1, True),  # two UTF-16 units each
        ("🙂" * 36, 2, True),
    ],
)
def test_a_text_is_measured_as_it_is_billed(text, segments, unicode):
    length = sms.measure(text)
    assert (length.segments, length.unicode) == (segments, unicode)


@pytest.fixture
def alex(practice, settings, tmp_path):
    settings.SITE_URL = "https://book.calmhands.example"
    settings.SMS_FILE = str(tmp_path / "sms.log")
    practice.name = "Calm Hands Massage"
    practice.late_arrival_policy = "Sessions end on time. " * 10
    practice.save()
    return ClientFactory(
        practice=practice,
        first_name="Alex",
        mobile="+447911123456",
        sms_consent=True,
        preferred_channel="sms",
    )


TO_CLIENTS = {kind for kind in kinds.TEXTED_KINDS if not kinds.KINDS[kind].to_given_address}


@pytest.mark.parametrize("kind", sorted(TO_CLIENTS))
@time_machine.travel(NOON, tick=False)
def test_each_default_text_is_one_text_for_a_plain_name(alex, kind):
    appointment = AppointmentFactory(client=alex, start=NOON + datetime.timedelta(days=2))
    followup = FollowUpFactory(client=alex, kind=kind, channel=Channel.SMS, appointment=appointment)

    _, text = wording.render(followup, None)

    assert sms.measure(text).segments == 1, (len(text), text)
    assert "Alex" in text and "Calm Hands Massage" in text
    assert "Sessions end on time" not in text  # the policy is for the e-mail


@time_machine.travel(NOON, tick=False)
def test_a_text_check_in_goes_out_as_written_for_texts(alex, client, tmp_path):
    alex.first_name = "Ali & Sam"
    alex.save()
    done = AppointmentFactory(
        client=alex, status=Appointment.Status.COMPLETED, start=NOON - datetime.timedelta(hours=20)
    )
    FollowUpFactory(client=alex, kind=Kind.CHECKIN, channel=Channel.SMS, appointment=done)

    dispatch.dispatch()

    sent = (tmp_path / "sms.log").read_text().split("\n", 1)[1].rsplit("\n---", 1)[0]
    assert sent.startswith("Hi Ali & Sam, how do you feel after your massage?")
    assert sms.measure(sent).segments == 1
    link = sent.split("Tap to tell us: ")[1].split()[0]
    assert client.get(link.removeprefix("https://book.calmhands.example")).status_code == 200


@time_machine.travel(NOON, tick=False)
def test_the_practices_own_text_wording_is_used(alex):
    Rule.objects.create(
        practice=alex.practice, kind=Kind.LAPSED, text="Miss you, {{ first_name }}!"
    )
    followup = FollowUpFactory(client=alex, kind=Kind.LAPSED, channel=Channel.SMS)

    assert wording.render(followup, Rule.objects.get())[1] == "Miss you, Alex!"


@pytest.mark.parametrize(("visits", "first_visit_wording"), [(0, True), (2, False)])
@time_machine.travel(NOON, tick=False)
def test_wording_about_a_first_visit_goes_only_to_new_clients(
    practice, visits, first_visit_wording
):
    client = ClientFactory(practice=practice, email="robin@example.com", email_consent=True)
    for n in range(visits):
        AppointmentFactory(
            client=client, status="completed", start=NOON - datetime.timedelta(days=30 * (n + 1))
        )
    booked = AppointmentFactory(client=client, start=NOON + datetime.timedelta(days=2))
    reminder = FollowUp.objects.get(appointment=booked, kind=Kind.REMINDER)

    _, body = wording.render(reminder, None)

    assert "fill in this short form" in body  # no form yet, either way
    assert ("Before your first visit" in body) is first_visit_wording


def test_the_wording_page_measures_the_text_as_it_is_typed(owner_client, practice):
    url = reverse("followups:rule", args=["lapsed"])

    page = owner_client.get(url).content.decode()
    typed = owner_client.post(url, {"measure": "1", "text": "Hi {{ first_name }}, " + "x" * 200})
    saved = Rule.objects.filter(kind="lapsed").exists()

    assert 'id="text-length"' in page and "1 text</strong> for a client called Alex" in page
    assert 'hx-post="' + url + '"' in page
    assert "209 characters, 2 texts</strong>" in typed.content.decode()
    assert "For a name with an accent, like Siân: 209 characters, 4 texts" in (
        typed.content.decode()
    )
    assert not saved


@pytest.mark.parametrize("kind", sorted(set(wording.BOOKING_LINKS) & kinds.TEXTED_KINDS))
@time_machine.travel(NOON, tick=False)
def test_with_online_booking_each_text_carries_its_link_in_one_text(alex, kind):
    alex.practice.online_booking = True
    alex.practice.save()
    alex.intake_completed_at = NOON  # the reminder's form link would take the place
    alex.save()
    appointment = AppointmentFactory(client=alex, start=NOON + datetime.timedelta(days=2))
    followup = FollowUpFactory(client=alex, kind=kind, channel=Channel.SMS, appointment=appointment)

    _, text = wording.render(followup, None)

    assert "https://book.calmhands.example/b/" in text
    assert sms.measure(text).segments == 1, (len(text), text)


@time_machine.travel(NOON, tick=False)
def test_where_replies_reach_us_the_reminder_asks_for_c_and_stays_one_text(alex, settings):
    settings.SMS_BACKEND = "followups.channels.TwilioSmsBackend"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    alex.practice.online_booking = True
    alex.practice.save()
    alex.intake_completed_at = NOON
    alex.save()
    # The longest day and month names there are.
    start = datetime.datetime(2026, 9, 23, 10, 0, tzinfo=NOON.tzinfo)
    appointment = AppointmentFactory(client=alex, start=start)
    followup = FollowUpFactory(
        client=alex, kind=kinds.Kind.REMINDER, channel=Channel.SMS, appointment=appointment
    )

    _, text = wording.render(followup, None)

    assert "Reply C to confirm." in text and "https://book.calmhands.example/b/" in text
    assert sms.measure(text).segments == 1, (len(text), text)


@time_machine.travel(NOON, tick=False)
def test_the_reminder_that_asks_for_c_and_about_health_stays_one_text(alex, settings):
    settings.SMS_BACKEND = "followups.channels.TwilioSmsBackend"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    alex.intake_completed_at = NOON - datetime.timedelta(days=60)
    alex.save()
    AppointmentFactory(
        client=alex, start=NOON - datetime.timedelta(days=30), status=Appointment.Status.COMPLETED
    )
    start = datetime.datetime(2026, 9, 23, 10, 0, tzinfo=NOON.tzinfo)  # the longest date
    appointment = AppointmentFactory(client=alex, start=start)
    followup = FollowUpFactory(
        client=alex, kind=kinds.Kind.REMINDER, channel=Channel.SMS, appointment=appointment
    )

    _, text = wording.render(followup, None)

    assert "Reply C to confirm." in text and "https://book.calmhands.example/hc/" in text
    assert sms.measure(text).segments == 1, (len(text), text)


@time_machine.travel(NOON, tick=False)
def test_a_waitlist_offer_by_text_carries_its_link_in_one_text(alex):
    alex.practice.online_booking = True
    alex.practice.save()
    service = ServiceFactory(practice=alex.practice)
    freed = AppointmentFactory(
        client=ClientFactory(practice=alex.practice),
        service=service,
        start=datetime.datetime(2026, 9, 23, 10, 0, tzinfo=NOON.tzinfo),  # the longest date
    )
    followup = FollowUpFactory(
        client=alex, kind=kinds.Kind.WAITLIST_OFFER, channel=Channel.SMS, appointment=freed
    )

    _, text = wording.render(followup, None)

    assert "Take it: https://book.calmhands.example/b/" in text
    assert sms.measure(text).segments == 1, (len(text), text)


@time_machine.travel(NOON, tick=False)
def test_the_link_to_confirm_a_held_time_is_one_text_and_names_nobody(alex):
    """It goes to whatever number was typed on the booking page, client's or not."""
    alex.practice.online_booking = True
    alex.practice.save()
    service = ServiceFactory(practice=alex.practice, min_notice_hours=0)
    start = datetime.datetime(2026, 9, 23, 10, 0, tzinfo=NOON.tzinfo)  # the longest date
    hold = BookingHold(
        practice=alex.practice,
        service=service,
        start=start,
        first_name="Someone",
        last_name="Else",
        mobile=alex.mobile,
        channel=Channel.SMS,
        expires_at=NOON + datetime.timedelta(minutes=30),
    )
    hold.set_busy()
    hold.save()
    followup = FollowUp.objects.get(hold=hold)

    _, text = wording.render(followup, None)

    assert "Confirm in 30 min: https://book.calmhands.example/h/" in text
    assert "Someone" not in text and "Alex" not in text
    assert sms.measure(text).segments == 1, (len(text), text)
