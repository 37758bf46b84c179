"""Someone booking with an address or number that is already a client's: nothing is
booked, changed or shown to the practice until the owner of that address confirms, and
every page and message reads as for a new address."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followups import dispatch
from followups.models import FollowUp
from sessions.models import Appointment, BookingHold

from ..factories import ClientFactory
from .test_booking import DETAILS, NOW, confirm_link, details_url, monday, times_on

STRANGER = {**DETAILS, "first_name": "Mallory", "last_name": "Stone"}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def known_client(practice):
    return ClientFactory(
        practice=practice,
        first_name="Jo",
        last_name="Rivers",
        email="jo.rivers@example.com",
        mobile="+447911123456",
        preferred_channel="sms",
        sms_consent=True,
        email_consent=True,
        intake_completed_at=NOW - datetime.timedelta(days=30),
    )


def done_page(client, practice, service, start, details):
    with CaptureQueriesContext(connection) as queries:
        posted = client.post(details_url(practice, service, start), details)
    assert posted.status_code == 302
    page = client.get(posted.url).content.decode()
    return page, len(queries)


def as_read(page, *words):
    """The page's text with the parts that differ by right (the time, the address) blanked."""
    text = re.sub(r"<[^>]+>|\s+", " ", page.split("<main", 1)[-1])
    text = re.sub(r"csrfmiddlewaretoken\S*", "", text)
    for word in words:
        text = text.replace(word, "…")
    return text


def test_a_known_address_with_another_name_books_nothing_and_reads_as_a_new_one(
    client, open_practice, service, owner_client
):
    jo = known_client(open_practice)
    before = {f.name: getattr(jo, f.name) for f in jo._meta.concrete_fields}

    known_page, known_queries = done_page(
        client, open_practice, service, monday((10, 19), 10), STRANGER
    )
    new_page, new_queries = done_page(
        client,
        open_practice,
        service,
        monday((10, 19), 12),
        {**STRANGER, "email": "someone.new@example.com"},
    )

    assert "check your e-mail" in known_page and "text" not in as_read(known_page).lower()
    assert as_read(known_page, "10:00", "jo.rivers@example.com") == as_read(
        new_page, "12:00", "someone.new@example.com"
    )
    assert known_queries == new_queries  # the same work, so the same time, for either
    # Nothing booked, nothing of Jo's touched, nothing the practice can see.
    assert not Appointment.objects.exists()
    jo.refresh_from_db()
    assert {f.name: getattr(jo, f.name) for f in jo._meta.concrete_fields} == before
    assert not FollowUp.objects.filter(client=jo).exists()
    assert "Mallory" not in owner_client.get(reverse("followups:list")).content.decode()
    assert "Mallory" not in owner_client.get(reverse("dashboard")).content.decode()
    assert "10:00" not in times_on(open_practice, service, datetime.date(2026, 10, 19))

    # Only the owner of the address gets the link, worded as for anyone.
    dispatch.dispatch()
    to_jo = next(m for m in mail.outbox if m.to == ["jo.rivers@example.com"])
    to_new = next(m for m in mail.outbox if m.to == ["someone.new@example.com"])
    assert to_jo.subject.replace("10:00", "…") == to_new.subject.replace("12:00", "…")
    assert "Mallory" not in to_jo.body and "Jo" not in to_jo.body.replace("Join", "")
    assert "/b/" not in to_jo.body  # no personal link to anyone's sessions


def test_an_unconfirmed_hold_frees_its_time_after_half_an_hour(client, open_practice, service):
    known_client(open_practice)
    client.post(details_url(open_practice, service, monday((10, 19), 10)), STRANGER)
    link = confirm_link()

    with time_machine.travel(NOW + datetime.timedelta(minutes=31), tick=False):
        assert "10:00" in times_on(open_practice, service, datetime.date(2026, 10, 19))
        late = client.post(link)

    assert late.status_code == 404 and "no longer works" in late.content.decode()
    assert not Appointment.objects.exists()


def test_confirming_from_the_client_s_own_address_books_it_for_them_unchanged(
    client, open_practice, service
):
    jo = known_client(open_practice)
    client.post(details_url(open_practice, service, monday((10, 19), 10)), STRANGER)

    booked = client.post(confirm_link())

    assert "You are booked" in booked.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.client == jo
    jo.refresh_from_db()
    assert (jo.first_name, jo.last_name) == ("Jo", "Rivers")
    assert BookingHold.objects.get().confirmed_at is not None


def test_a_known_mobile_with_a_stranger_s_address_never_reaches_the_client(
    client, open_practice, service, settings, tmp_path
):
    settings.SMS_FILE = str(tmp_path / "sms.log")
    jo = known_client(open_practice)
    details = {**STRANGER, "email": "mallory@example.com", "mobile": "07911 123456"}
    client.post(details_url(open_practice, service, monday((10, 19), 10)), details)

    booked = client.post(confirm_link("mallory@example.com"))  # proves only the e-mail

    assert "You are booked" in booked.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.client != jo
    assert appointment.client.mobile == ""  # Jo's number, unproven, is left out
    dispatch.dispatch()
    assert not (tmp_path / "sms.log").exists()  # not one text to Jo's phone
    assert not FollowUp.objects.filter(client=jo).exists()


def test_a_known_mobile_chosen_for_texts_gets_the_link_by_text_and_nothing_else(
    client, open_practice, service, settings, tmp_path
):
    settings.SMS_FILE = str(tmp_path / "sms.log")
    settings.QUIET_HOURS = (24, 0)
    jo = known_client(open_practice)
    details = {
        **STRANGER,
        "email": "",
        "mobile": "07911 123456",
        "preferred_channel": "sms",
    }
    page, _ = done_page(client, open_practice, service, monday((10, 19), 10), details)

    assert "check your texts" in page and "e-mail" not in as_read(page, "spam folder for e-mail")
    dispatch.dispatch()
    sent = (tmp_path / "sms.log").read_text()
    assert sent.startswith("To: +447911123456\n")
    assert "Mallory" not in sent and "/h/" in sent
    assert not FollowUp.objects.filter(client=jo).exists()
    jo.refresh_from_db()
    assert not Appointment.objects.exists()


def test_the_personal_link_still_books_at_once(client, open_practice, service):
    from sessions import booking

    jo = known_client(open_practice)
    token = booking.issue_link(jo, service)
    url = reverse("booking:again_confirm", args=[token, service.public_id])

    client.post(f"{url}?at=2026-10-19T09:00Z")

    assert Appointment.objects.get().client == jo
    assert not BookingHold.objects.exists()
