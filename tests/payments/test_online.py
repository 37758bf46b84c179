"""Paying online through the practice's Stripe account: a deposit that books a held time,
what is owed from the personal link, a card saved for the policy's fees, refunds back
through Stripe. Stripe's API is a stand-in on a local port (tests/support/fake_stripe.py),
reached by the real SDK over HTTP; its webhook events are signed here as Stripe signs
them and delivered to the app's own webhook address."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from practice.payments import online, services
from practice.payments.models import Checkout, Payment, Receipt, Refund, SavedCard, StripeEvent
from sessions import availability, booking
from sessions import services as session_services
from sessions.models import Appointment, BookingHold

from ..factories import AppointmentFactory, ClientFactory
from ..sessions.test_booking import DETAILS, NOW, monday
from ..support.fake_stripe import DECLINED, signed
from .conftest import WEBHOOK_SECRET

START = monday((10, 19), 10)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def deliver(client, practice, event, secret=WEBHOOK_SECRET):
    payload, header = signed(event, secret)
    url = reverse("receipts:stripe_webhook", args=[practice.public_id])
    return client.post(url, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def held(practice, service, start=START, **details):
    hold = booking.hold_from_page(practice, service, start, {**DETAILS, **details})
    return hold, booking.issue_hold_token(hold)


def to_checkout(client, token):
    """The client presses "Pay and book" on the confirmation page: off to Stripe."""
    response = client.post(reverse("booking:confirm_hold", args=[token]))
    assert response.status_code == 302
    return response.url


def test_a_deposit_delivered_twice_records_one_payment_and_books_the_time(
    client, stripe_practice, service, fake_stripe
):
    hold, token = held(stripe_practice, service)
    page = client.get(reverse("booking:confirm_hold", args=[token])).content.decode()
    assert "Pay £20.00 and book" in page

    url = to_checkout(client, token)

    session = fake_stripe.last_session()
    assert url == session["url"] and session["amount_total"] == 2000
    assert session["success_url"].endswith(reverse("receipts:deposit_paid", args=[token]))
    assert Appointment.objects.count() == 0  # nothing booked until the payment is reported
    hold.refresh_from_db()
    assert hold.expires_at == datetime.datetime.fromtimestamp(
        session["expires_at"], tz=datetime.UTC
    )
    waiting = client.get(reverse("receipts:deposit_paid", args=[token])).content.decode()
    assert "Confirming your payment" in waiting

    fake_stripe.pay(session["id"])
    event = fake_stripe.completed(session["id"])
    first, second = deliver(client, stripe_practice, event), deliver(client, stripe_practice, event)

    assert (first.status_code, first.content) == (200, b"handled")
    assert (second.status_code, second.content) == (200, b"already handled")
    [payment] = Payment.objects.all()
    [appointment] = Appointment.objects.all()
    assert (payment.amount, payment.method) == (Decimal("20.00"), Payment.Method.ONLINE)
    assert payment.stripe_payment_intent == session["payment_intent"]
    assert [item.appointment for item in payment.items.all()] == [appointment]
    assert appointment.start == START and appointment.client.email == DETAILS["email"]
    [receipt] = Receipt.objects.all()
    assert receipt.payment == payment and receipt.matches
    booked = client.get(reverse("receipts:deposit_paid", args=[token])).content.decode()
    assert "You are booked" in booked and "£20.00 is paid" in booked
    # Its own event about the same payment, later, records nothing more.
    later = deliver(client, stripe_practice, fake_stripe.intent_succeeded(session["id"]))
    assert later.status_code == 200 and Payment.objects.count() == 1
    # When the session is held, the deposit counts towards its price.
    Appointment.objects.filter(pk=appointment.pk).update(status="completed", unpaid=True)
    [owed] = services.owed_sessions(appointment.client)
    assert (owed.owed, owed.paid) == (Decimal("50.00"), Decimal("20.00"))


def test_events_out_of_order_settle_the_same_way(client, stripe_practice, service, fake_stripe):
    _hold, token = held(stripe_practice, service)
    to_checkout(client, token)
    session = fake_stripe.pay(fake_stripe.last_session()["id"])

    deliver(client, stripe_practice, fake_stripe.intent_succeeded(session["id"]))
    deliver(client, stripe_practice, fake_stripe.completed(session["id"]))

    [payment] = Payment.objects.all()
    assert payment.amount == Decimal("20.00") and Appointment.objects.count() == 1
    assert StripeEvent.objects.count() == 2


def test_a_signature_that_is_not_the_practices_records_nothing(
    client, stripe_practice, service, fake_stripe
):
    _hold, token = held(stripe_practice, service)
    to_checkout(client, token)
    session = fake_stripe.pay(fake_stripe.last_session()["id"])
    event = fake_stripe.completed(session["id"])

    forged = deliver(client, stripe_practice, event, secret="whsec_someone_else")
    payload, header = signed(event, WEBHOOK_SECRET, timestamp=int(NOW.timestamp()) - 3600)
    stale = client.post(
        reverse("receipts:stripe_webhook", args=[stripe_practice.public_id]),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    unsigned = client.post(
        reverse("receipts:stripe_webhook", args=[stripe_practice.public_id]),
        payload,
        content_type="application/json",
    )

    assert [forged.status_code, stale.status_code, unsigned.status_code] == [400, 400, 400]
    assert not Payment.objects.exists() and not StripeEvent.objects.exists()
    assert (
        client.get(reverse("receipts:stripe_webhook", args=[stripe_practice.public_id])).status_code
        == 405
    )


def test_a_payment_reported_after_the_hold_ran_out_still_books_a_free_time(
    client, stripe_practice, service, fake_stripe, _now
):
    hold, token = held(stripe_practice, service)
    to_checkout(client, token)
    session = fake_stripe.pay(fake_stripe.last_session()["id"])
    hold.refresh_from_db()
    _now.move_to(hold.expires_at + datetime.timedelta(minutes=20))

    deliver(client, stripe_practice, fake_stripe.completed(session["id"]))

    [appointment] = Appointment.objects.all()
    assert appointment.start == START and Payment.objects.get().amount == Decimal("20.00")


def test_a_payment_reported_after_its_time_was_taken_is_given_back(
    client, stripe_practice, service, fake_stripe, _now
):
    hold, token = held(stripe_practice, service)
    to_checkout(client, token)
    session = fake_stripe.pay(fake_stripe.last_session()["id"])
    hold.refresh_from_db()
    _now.move_to(hold.expires_at + datetime.timedelta(minutes=1))
    assert START in [
        slot.start for slot in availability.next_free(stripe_practice, service, count=50)
    ]
    other = ClientFactory(practice=stripe_practice)
    booking.book(stripe_practice, service, START, other, via=Appointment.Via.PRACTICE)

    deliver(client, stripe_practice, fake_stripe.completed(session["id"]))

    assert [a.client for a in Appointment.objects.all()] == [other]
    assert not Payment.objects.exists()
    [refund] = fake_stripe.refunds
    assert (refund["payment_intent"], refund["amount"]) == (session["payment_intent"], 2000)
    page = client.get(reverse("receipts:deposit_paid", args=[token])).content.decode()
    assert "This time was taken" in page and "on its way back to your card" in page


def test_a_deposit_never_paid_frees_its_time(client, stripe_practice, service, fake_stripe):
    _hold, token = held(stripe_practice, service)
    to_checkout(client, token)
    session = fake_stripe.last_session()
    assert START not in [
        s.start for s in availability.next_free(stripe_practice, service, count=50)
    ]

    deliver(client, stripe_practice, fake_stripe.expired(session["id"]))

    assert START in [s.start for s in availability.next_free(stripe_practice, service, count=50)]
    assert not BookingHold.objects.active().exists()
    page = client.get(reverse("receipts:deposit_paid", args=[token])).content.decode()
    assert "Not booked" in page and "nothing was charged" in page


def test_going_back_to_pay_again_reuses_the_open_checkout(
    client, stripe_practice, service, fake_stripe
):
    _hold, token = held(stripe_practice, service)
    first = to_checkout(client, token)
    back = reverse("booking:confirm_hold", args=[token])  # Stripe's cancel address
    assert fake_stripe.last_session()["cancel_url"] == "http://testserver" + back

    second = to_checkout(client, token)

    assert first == second and Checkout.objects.count() == 1


def test_without_keys_nothing_online_shows(client, open_practice, service):
    _hold, token = held(open_practice, service)
    page = client.get(reverse("booking:confirm_hold", args=[token])).content.decode()
    assert "Pay" not in page and "Confirm" in page
    assert client.post(reverse("booking:confirm_hold", args=[token])).status_code == 200
    assert Appointment.objects.count() == 1
    link = booking.issue_link(Appointment.objects.get().client)
    assert client.get(reverse("receipts:pay", args=[link])).status_code == 404
    assert client.get(reverse("receipts:card", args=[link])).status_code == 404
    mine = client.get(reverse("booking:mine", args=[link])).content.decode()
    assert "Paying online" not in mine
    webhook = reverse("receipts:stripe_webhook", args=[open_practice.public_id])
    assert client.post(webhook, "{}", content_type="application/json").status_code == 400


def owing(practice, *prices):
    person = ClientFactory(practice=practice, email="sam@example.com", email_consent=True)
    sessions = [
        AppointmentFactory(
            client=person,
            price=Decimal(price),
            status="completed",
            unpaid=True,
            start=NOW - datetime.timedelta(days=7 * (n + 1)),
        )
        for n, price in enumerate(prices)
    ]
    return person, sessions


def test_the_client_pays_what_they_owe_from_their_link(
    client, stripe_practice, fake_stripe, mailoutbox
):
    person, sessions = owing(stripe_practice, "70", "55")
    link = booking.issue_link(person)
    mine = client.get(reverse("booking:mine", args=[link])).content.decode()
    assert "Pay what you owe, £125.00, by card" in mine

    page = client.get(reverse("receipts:pay", args=[link])).content.decode()
    assert "Pay £125.00 by card" in page
    response = client.post(reverse("receipts:pay", args=[link]))
    session = fake_stripe.last_session()
    assert response.url == session["url"] and session["amount_total"] == 12500
    fake_stripe.pay(session["id"])
    deliver(client, stripe_practice, fake_stripe.completed(session["id"]))

    [payment] = Payment.objects.all()
    assert payment.amount == Decimal("125.00") and payment.client == person
    assert {i.appointment_id: i.amount for i in payment.items.all()} == {
        sessions[0].pk: Decimal("70.00"),
        sessions[1].pk: Decimal("55.00"),
    }
    assert services.owed_sessions(person) == []
    assert payment.receipts.get().followup is not None  # e-mailed through the outbox


def test_what_was_paid_another_way_meanwhile_is_not_paid_twice(
    client, stripe_practice, fake_stripe, owner
):
    person, sessions = owing(stripe_practice, "70", "55")
    link = booking.issue_link(person)
    client.post(reverse("receipts:pay", args=[link]))
    session = fake_stripe.pay(fake_stripe.last_session()["id"])
    [first] = [s for s in services.owed_sessions(person) if s.pk == sessions[0].pk]
    services.record_payment(person, by=owner, amounts={first: Decimal("70")}, method="cash")

    deliver(client, stripe_practice, fake_stripe.completed(session["id"]))

    online_payment = Payment.objects.get(method=Payment.Method.ONLINE)
    # All of it is recorded as taken; only what was still owed is put towards sessions.
    assert online_payment.amount == Decimal("125.00")
    assert [i.amount for i in online_payment.items.all()] == [Decimal("55.00")]
    assert services.refundable(online_payment) == Decimal("125.00")


def test_a_card_saved_with_consent_pays_a_fee_once(client, stripe_practice, fake_stripe, owner):
    stripe_practice.no_show_fee = Decimal("35.00")
    stripe_practice.save()
    person = ClientFactory(practice=stripe_practice, email="sam@example.com")
    link = booking.issue_link(person)

    refused = client.post(reverse("receipts:card", args=[link]), {})
    assert "Tick the box to agree" in refused.content.decode()
    response = client.post(reverse("receipts:card", args=[link]), {"agree": "yes"})
    session = fake_stripe.last_session()
    assert response.url == session["url"] and session["mode"] == "setup"
    fake_stripe.pay(session["id"])
    deliver(client, stripe_practice, fake_stripe.completed(session["id"]))
    card = SavedCard.objects.get(client=person)
    assert (card.last4, card.customer) == ("4242", "cus_test_saved")
    assert "for nothing else" in card.consent

    missed = AppointmentFactory(client=person, start=NOW - datetime.timedelta(hours=3))
    session_services.change_status(missed, Appointment.Status.NO_SHOW, by=owner)
    page = client.get(reverse("payments:client", args=[person.public_id]))
    assert page.status_code == 302  # the therapist's pages need a sign-in
    client.force_login(owner)
    page = client.get(reverse("payments:client", args=[person.public_id])).content.decode()
    assert "Charge to the saved card ending 4242" in page

    charged = client.post(reverse("payments:fee_charge", args=[missed.fee.public_id]))

    assert charged.status_code == 302
    [payment] = Payment.objects.all()
    assert payment.amount == Decimal("35.00") and payment.stripe_payment_intent
    [call] = [c for c in fake_stripe.calls if c[1] == "/v1/payment_intents"]
    assert call[2]["off_session"] == "true" and call[2]["amount"] == "3500"
    event = fake_stripe.event(
        "payment_intent.succeeded", fake_stripe.intents[payment.stripe_payment_intent]
    )
    deliver(client, stripe_practice, event)
    assert Payment.objects.count() == 1

    client.logout()
    client.post(reverse("receipts:card", args=[link]), {"remove": "1"})
    assert not SavedCard.objects.filter(client=person).exists()
    assert any(c[1].endswith("/detach") for c in fake_stripe.calls)


def test_a_declined_card_records_nothing_and_says_so(
    owner_client, stripe_practice, fake_stripe, owner
):
    stripe_practice.no_show_fee = Decimal("35.00")
    stripe_practice.save()
    person = ClientFactory(practice=stripe_practice)
    SavedCard.objects.create(
        practice=stripe_practice,
        client=person,
        customer="cus_test_saved",
        payment_method=DECLINED,
        last4="0341",
        consent="agreed",
    )
    missed = AppointmentFactory(client=person, start=NOW - datetime.timedelta(hours=3))
    session_services.change_status(missed, Appointment.Status.NO_SHOW, by=owner)

    response = owner_client.post(
        reverse("payments:fee_charge", args=[missed.fee.public_id]), follow=True
    )

    assert "Your card was declined." in response.content.decode()
    assert not Payment.objects.exists()
    assert services.owed_sessions(person)[0].owed == Decimal("35.00")


def test_a_refund_of_an_online_payment_goes_back_through_stripe(
    client, stripe_practice, service, fake_stripe, owner
):
    _hold, token = held(stripe_practice, service)
    to_checkout(client, token)
    session = fake_stripe.pay(fake_stripe.last_session()["id"])
    deliver(client, stripe_practice, fake_stripe.completed(session["id"]))
    payment = Payment.objects.get()

    _given, credit = online.refund(payment, by=owner, amount=Decimal("7.50"), reason="Goodwill")

    [refund] = fake_stripe.refunds
    assert (refund["amount"], refund["payment_intent"]) == (750, session["payment_intent"])
    assert Refund.objects.get().stripe_refund == refund["id"]
    assert credit.kind == Receipt.Kind.CREDIT_NOTE and credit.amount == Decimal("-7.50")


def test_stripe_out_of_reach_records_no_refund(
    client, stripe_practice, service, fake_stripe, owner, settings
):
    _hold, token = held(stripe_practice, service)
    to_checkout(client, token)
    session = fake_stripe.pay(fake_stripe.last_session()["id"])
    deliver(client, stripe_practice, fake_stripe.completed(session["id"]))
    payment = Payment.objects.get()
    fake_stripe.server.shutdown()
    fake_stripe.server.server_close()  # Stripe cannot be reached: the port is closed

    with pytest.raises(online.ValidationError, match="did not go through"):
        online.refund(payment, by=owner, amount=Decimal("5"), reason="Goodwill")

    assert not Refund.objects.exists()
    assert Receipt.objects.filter(kind=Receipt.Kind.CREDIT_NOTE).count() == 0


def test_the_owner_enters_the_keys_and_every_mistake_is_said_by_its_field(
    owner_client, open_practice
):
    url = reverse("payments:online")

    bad = owner_client.post(
        url, {"secret_key": "pk_test_123", "webhook_secret": "abc", "ask": "deposit"}
    )

    page = bad.content.decode()
    for field, message in [
        ("secret_key", "A secret key begins sk_ (or rk_ for a restricted key)."),
        ("webhook_secret", "A webhook signing secret begins whsec_."),
        ("deposit", "Enter the deposit clients pay when they book."),
    ]:
        assert re.search(f'id="error_1_id_{field}"[^>]*>\\s*<strong>{re.escape(message)}', page)
    assert re.search(r'value="deposit"[^>]*checked', page)  # what was chosen is kept
    good = owner_client.post(
        url,
        {"secret_key": "sk_test_4321", "webhook_secret": "whsec_9", "ask": "full", "deposit": ""},
    )
    assert good.status_code == 302
    page = owner_client.get(url).content.decode()
    assert "Kept, ending 4321" in page and "sk_test_4321" not in page
    assert str(open_practice.public_id) in page  # the webhook address to give Stripe
    kept = owner_client.post(url, {"secret_key": "", "webhook_secret": "", "ask": "nothing"})
    assert kept.status_code == 302
    assert online.account_for(open_practice).secret_key == "sk_test_4321"
    owner_client.post(url, {"remove": "1"})
    assert online.account_for(open_practice) is None


def test_only_pages_that_go_on_to_stripe_let_their_form_go_there(
    client, stripe_practice, open_practice, service, settings
):
    _hold, token = held(stripe_practice, service)
    confirm = client.get(reverse("booking:confirm_hold", args=[token]))
    home = client.get(reverse("booking:start", args=[stripe_practice.slug]))

    assert "form-action 'self' https://checkout.stripe.com" in confirm["Content-Security-Policy"]
    assert "checkout.stripe.com" not in home["Content-Security-Policy"]


def deposit_booked(client, practice, service, fake_stripe):
    _hold, token = held(practice, service)
    to_checkout(client, token)
    session = fake_stripe.pay(fake_stripe.last_session()["id"])
    deliver(client, practice, fake_stripe.completed(session["id"]))
    return Appointment.objects.get(), session


def test_a_deposit_goes_back_when_the_practice_declines_or_the_client_cancels_in_time(
    client, stripe_practice, service, fake_stripe, owner
):
    stripe_practice.confirm_online_bookings = True
    stripe_practice.save()
    requested, session = deposit_booked(client, stripe_practice, service, fake_stripe)
    assert requested.awaiting_confirmation

    booking.decline(requested, by=owner)

    [refund] = fake_stripe.refunds
    assert (refund["payment_intent"], refund["amount"]) == (session["payment_intent"], 2000)
    given = Refund.objects.get()
    assert given.amount == Decimal("20.00") and given.stripe_refund == refund["id"]
    assert given.credit_note.kind == Receipt.Kind.CREDIT_NOTE


def test_a_deposit_stays_towards_the_fee_of_a_late_cancellation(
    client, stripe_practice, service, fake_stripe, owner, _now
):
    stripe_practice.late_cancellation_fee = Decimal("35.00")
    stripe_practice.save()
    appointment, _session = deposit_booked(client, stripe_practice, service, fake_stripe)
    _now.move_to(appointment.start - datetime.timedelta(hours=3))

    booking.cancel(appointment)

    assert fake_stripe.refunds == [] and not Refund.objects.exists()
    [owed] = services.owed_sessions(appointment.client)
    assert (owed.due, owed.paid, owed.owed) == (
        Decimal("35.00"),
        Decimal("20.00"),
        Decimal("15.00"),
    )


def test_erasing_a_client_forgets_their_saved_card_at_once(stripe_practice, fake_stripe):
    from clients.erasure import erase_client

    person = ClientFactory(practice=stripe_practice)
    SavedCard.objects.create(
        practice=stripe_practice,
        client=person,
        customer="cus_test_saved",
        payment_method="pm_card_visa",
        last4="4242",
        consent="agreed",
    )

    erase_client(person)

    assert not SavedCard.objects.exists()
    assert ("POST", "/v1/payment_methods/pm_card_visa/detach", {}) in fake_stripe.calls
