"""A reminder of what a client owes: written with the sessions and the amounts as the
client reads them, sent through the outbox (consent, quiet hours, one a day), with a
link that opens their page where they can pay."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from followups import dispatch
from followups.models import FollowUp, Kind
from practice.payments.models import StripeAccount
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory

NOON = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
LINK = re.compile(r"http://testserver(/b/[\w-]+/(?:pay/)?)")


@pytest.fixture
def owing(practice, settings):
    settings.SITE_URL = "http://testserver"
    practice.time_zone = "Europe/London"
    practice.online_booking = True
    practice.save()
    person = ClientFactory(
        practice=practice,
        first_name="Zoë",
        last_name="O'Neill",
        email="zoe@example.com",
        email_consent=True,
        preferred_channel="email",
    )
    for days, price in ((14, "70.00"), (7, "55.50")):
        AppointmentFactory(
            client=person,
            price=Decimal(price),
            status=Appointment.Status.COMPLETED,
            unpaid=True,
            start=NOON - datetime.timedelta(days=days),
        )
    return person


def remind(owner_client, person):
    return owner_client.post(reverse("payments:remind", args=[person.public_id]), follow=True)


@time_machine.travel(NOON, tick=False)
def test_the_reminder_reads_right_and_its_link_opens_the_clients_page(owner_client, owing):
    page = owner_client.get(reverse("payments:client", args=[owing.public_id])).content.decode()
    assert "Remind Zoë of it" in page

    response = remind(owner_client, owing)
    remind(owner_client, owing)  # pressed twice: still one

    assert "A reminder goes to Zoë by e-mail" in response.content.decode()
    [followup] = FollowUp.objects.filter(kind=Kind.OWED_REMINDER)
    dispatch.dispatch()
    [message] = [m for m in mail.outbox if m.to == ["zoe@example.com"]]
    assert message.subject == "What is still to pay at Calm Hands"
    body = message.body
    assert "Hello Zoë," in body and "&" not in body and "&#x27;" not in body
    assert "£125.50 is still to pay for" in body
    assert "- 6 November 2026: Massage, £70.00" in body
    assert "- 13 November 2026: Massage, £55.50" in body
    assert "pay at your next visit, or reply" in body  # no card payments without Stripe
    opened = Client().get(LINK.search(body).group(1))  # on the client's phone
    assert opened.status_code == 200 and "Zoë" in opened.content.decode()
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.SENT


@time_machine.travel(NOON, tick=False)
def test_no_reminder_to_a_client_who_agreed_to_no_messages(owner_client, owing):
    owing.email_consent = False
    owing.save()

    response = remind(owner_client, owing)

    assert "has not agreed to e-mails or texts" in response.content.decode()
    assert not FollowUp.objects.filter(kind=Kind.OWED_REMINDER).exists()


def test_a_reminder_asked_for_in_quiet_hours_waits_for_the_morning(owner_client, owing, settings):
    settings.QUIET_HOURS = (20, 9)
    owing.preferred_channel, owing.sms_consent = "sms", True
    owing.mobile = "+447700900123"
    owing.save()
    evening = datetime.datetime(2026, 11, 20, 21, 30, tzinfo=datetime.UTC)
    with time_machine.travel(evening, tick=False):
        remind(owner_client, owing)
        dispatch.dispatch()
        [followup] = FollowUp.objects.filter(kind=Kind.OWED_REMINDER)
        assert followup.status == FollowUp.Status.SCHEDULED
    with time_machine.travel(evening + datetime.timedelta(hours=12), tick=False):
        dispatch.dispatch()
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.SENT
    assert followup.body.startswith("Hi Zoë, £125.50 is still to pay for 2 sessions at")
    assert followup.sent_at.astimezone(datetime.UTC).hour == 9


@time_machine.travel(NOON, tick=False)
def test_where_the_practice_takes_cards_the_link_is_its_page_to_pay(owner_client, owing):
    StripeAccount.objects.create(
        practice=owing.practice, secret_key="sk_test_x", webhook_secret="whsec_x"
    )

    remind(owner_client, owing)
    dispatch.dispatch()

    [message] = [m for m in mail.outbox if m.to == ["zoe@example.com"]]
    assert "You can pay by card here:\nhttp://testserver/b/" in message.body
    page = Client().get(LINK.search(message.body).group(1)).content.decode()
    assert "Pay £125.50 by card" in page
