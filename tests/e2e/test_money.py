"""Money through the practice in a browser, as the therapist and the client use it: a
package of five taken over three sessions, a group-discount code given by a new client
booking online, a no-show fee recorded and waived, a complaint's refund, and a deposit
paid on Stripe's page and reported by a webhook delivered twice."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client as Http
from django.urls import reverse
from playwright.sync_api import expect

from complaints.models import ComplaintStep
from followups import dispatch
from practice.payments.models import (
    Fee,
    Package,
    Payment,
    Receipt,
    Refund,
    StripeAccount,
    Voucher,
)
from sessions.models import Appointment, Service

from ..factories import (
    AppointmentFactory,
    ClientFactory,
    ComplaintFactory,
    MembershipFactory,
    working_every_day,
)
from ..support.fake_stripe import FakeStripe, signed
from .conftest import ARTIFACTS
from .test_booking import PHONE
from .test_session_note import sign_in

WEBHOOK_SECRET = "whsec_browser_test"


@pytest.fixture
def owner(practice):
    return MembershipFactory(practice=practice, role="owner").user


@pytest.fixture
def desk(page, live_server, owner):
    page.set_viewport_size({"width": 390, "height": 844})  # the therapist's phone
    sign_in(page, live_server, owner)
    return page


def held(client, days_ago, price="60.00"):
    return AppointmentFactory(
        client=client,
        price=Decimal(price),
        status=Appointment.Status.COMPLETED,
        unpaid=True,
        start=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days_ago),
    )


def open_for_booking(practice, owner, settings, live_server, *, price):
    """Clients book online every day from 08:00 to 20:00, at `price`."""
    settings.SITE_URL = live_server.url
    practice.online_booking = True
    practice.save()
    working_every_day(practice, owner, starts=8, ends=20)
    Service.objects.filter(practice=practice).update(
        bookable_online=True, min_notice_hours=30, horizon_days=14, price=price
    )


def choose_a_time(phone, live_server, practice, first, last, email):
    """A new client on the booking page: the first free time, their details typed."""
    phone.goto(f"{live_server.url}/p/{practice.slug}/book/")
    phone.get_by_role("link", name=re.compile("Massage, 60 minutes")).click()
    phone.locator("a.time-choice").first.click()
    phone.get_by_label("First name").fill(first)
    phone.get_by_label("Last name").fill(last)
    phone.get_by_role("textbox", name="E-mail").fill(email)
    phone.get_by_label("Mobile number").fill("07911 654321")


def open_confirmation_link(phone):
    """The link of the "confirm your massage" e-mail, opened on the phone."""
    dispatch.dispatch()
    ask = next(m for m in mail.outbox if m.subject.startswith("Confirm your massage"))
    phone.goto(re.search(r"(http://\S+/h/[\w-]+/)", ask.body).group(1))


def open_payments(desk, live_server, client):
    desk.goto(f"{live_server.url}{reverse('payments:client', args=[client.public_id])}")


def test_a_package_of_five_over_three_sessions(desk, live_server, practice, screenshot):
    client = ClientFactory(practice=practice, first_name="Ana", last_name="Silva")
    open_payments(desk, live_server, client)
    desk.get_by_role("link", name=re.compile("Sell a package")).click()
    desk.get_by_label("Sessions").fill("5")
    desk.get_by_label("Price of the package").fill("")
    desk.get_by_role("button", name="Sell the package").click()
    expect(desk.locator(".invalid-feedback").first).to_be_visible()  # said by the field
    desk.get_by_label("Price of the package").fill("270")
    desk.get_by_role("button", name="Sell the package").click()
    expect(desk.get_by_text("5 of 5 left")).to_be_visible()

    for days_ago in (21, 14, 7):
        held(client, days_ago)
    desk.reload()
    for left in (5, 4, 3):
        desk.get_by_role("button", name=f"Take from the package ({left} left)").first.click()
        expect(desk.get_by_text(f"Taken from the package: {left - 1} left.")).to_be_visible()
    expect(desk.get_by_text("2 of 5 left")).to_be_visible()
    expect(desk.get_by_text("Nothing is owed.")).to_be_visible()
    screenshot("package-two-left")
    package = Package.objects.get(client=client)
    assert package.uses.count() == 3 and package.payment.amount == Decimal("270.00")
    assert Receipt.objects.filter(payment=package.payment).count() == 1


def test_a_group_discount_code_given_by_a_new_client_booking_online(
    desk, browser, live_server, practice, owner, settings, screenshot
):
    open_for_booking(practice, owner, settings, live_server, price=Decimal("65.00"))
    desk.goto(f"{live_server.url}{reverse('payments:voucher_create')}")
    desk.get_by_label("How many codes").fill("4")
    desk.get_by_label("Worth (an amount)").fill("25")
    desk.get_by_label("Offer or occasion").fill("Group discount, November")
    desk.get_by_role("button", name=re.compile("Make")).click()
    expect(desk.get_by_text("Made 4 codes")).to_be_visible()
    code = Voucher.objects.filter(practice=practice).first().code

    phone = browser.new_page(**PHONE)
    choose_a_time(phone, live_server, practice, "Lena", "Berg", "lena.berg@example.com")
    phone.get_by_label("Gift card or offer code, if you have one").fill("NOPE-1234")
    phone.get_by_role("button", name=re.compile("Book")).click()
    expect(phone.get_by_text("We do not know this code")).to_be_visible()
    expect(phone.get_by_label("Last name")).to_have_value("Berg")  # nothing typed is lost
    phone.get_by_label("Gift card or offer code, if you have one").fill(code.lower())
    phone.get_by_role("button", name=re.compile("Book")).click()
    expect(phone.get_by_role("heading", name="Almost done: check your e-mail")).to_be_visible()
    open_confirmation_link(phone)
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_role("heading", name="You are booked")).to_be_visible()

    session = Appointment.objects.get(client__email="lena.berg@example.com")
    assert session.voucher_code == code
    Appointment.objects.filter(pk=session.pk).update(
        status=Appointment.Status.COMPLETED, unpaid=True
    )  # the session is held
    open_payments(desk, live_server, session.client)
    expect(desk.get_by_text(f"booked with code {code}")).to_be_visible()
    expect(desk.get_by_label("Gift card or voucher code")).to_have_value(code)
    desk.get_by_label(re.compile("Amount paid for")).fill("25")
    desk.get_by_role("button", name="Record the payment").click()
    expect(desk.get_by_text("Receipt 1 is ready")).to_be_visible()
    screenshot("code-paid")
    payment = Payment.objects.get(client=session.client)
    assert (payment.method, payment.amount) == ("voucher", Decimal("25.00"))
    assert payment.voucher_use.voucher.code == code
    expect(desk.get_by_text("Owed: £40.00 for 1 session.")).to_be_visible()


def test_a_no_show_fee_recorded_and_then_waived(desk, live_server, practice, screenshot):
    practice.no_show_fee = Decimal("30.00")
    practice.save()
    client = ClientFactory(practice=practice, first_name="Tom", last_name="Reid")
    missed = AppointmentFactory(
        client=client,
        price=Decimal("60.00"),
        start=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2),
    )
    desk.goto(f"{live_server.url}{reverse('sessions:detail', args=[missed.public_id])}")
    desk.get_by_role("button", name="No-show").click()
    open_payments(desk, live_server, client)
    expect(desk.get_by_text("Owed: £30.00 for 1 session.")).to_be_visible()
    expect(desk.get_by_text("Fee for a missed session")).to_be_visible()

    desk.get_by_role("link", name="Waive the fee").click()
    desk.get_by_role("button", name="Waive the fee").click()
    expect(desk.get_by_text("Say why the fee is waived")).to_be_visible()
    desk.get_by_label(re.compile("Why")).fill("First time, and a family emergency")
    desk.get_by_role("button", name="Waive the fee").click()
    expect(desk.get_by_text("The fee for a missed session is waived.")).to_be_visible()
    expect(desk.get_by_text("Nothing is owed.")).to_be_visible()
    screenshot("fee-waived")
    fee = Fee.objects.get(appointment=missed)
    assert fee.waived_at and fee.waive_reason == "First time, and a family emergency"


def test_a_refund_from_a_complaints_offer(desk, live_server, practice, owner, screenshot):
    client = ClientFactory(practice=practice, first_name="Ivy", last_name="Chen")
    session = held(client, 3, price="80.00")
    open_payments(desk, live_server, client)
    desk.get_by_label(re.compile("Amount paid for")).fill("80")
    desk.get_by_role("button", name="Record the payment").click()
    expect(desk.get_by_text("Receipt 1 is ready")).to_be_visible()
    complaint = ComplaintFactory(
        practice=practice, client=client, offer="refund", offer_value=Decimal("30.00")
    )
    ComplaintStep.objects.create(
        practice=practice, complaint=complaint, step=ComplaintStep.Step.OFFERED, by=owner
    )

    desk.goto(f"{live_server.url}{reverse('complaints:detail', args=[complaint.public_id])}")
    desk.get_by_role("link", name="Record the refund").click()
    expect(desk.get_by_label(re.compile("Amount"))).to_have_value("30.00")
    desk.get_by_label(re.compile("Amount")).fill("300")
    desk.get_by_role("button", name=re.compile("refund", re.I)).click()
    expect(desk.get_by_text(re.compile("At most £?80"))).to_be_visible()
    desk.get_by_label(re.compile("Amount")).fill("30")
    desk.get_by_role("button", name=re.compile("refund", re.I)).click()
    expect(desk.get_by_text(re.compile("Refund recorded, with credit note 2"))).to_be_visible()
    screenshot("refunded")
    refund = Refund.objects.get()
    assert refund.complaint == complaint and refund.amount == Decimal("30.00")
    assert refund.payment.items.get().appointment == session
    credit = Receipt.objects.get(kind="credit_note")
    assert credit.amount == Decimal("-30.00") and credit.matches


def test_a_deposit_paid_on_stripes_page_and_reported_twice_books_once(
    browser, live_server, practice, owner, settings
):
    open_for_booking(practice, owner, settings, live_server, price=Decimal("70.00"))
    with FakeStripe() as stripe:
        settings.STRIPE_API_BASE = settings.STRIPE_CHECKOUT_ORIGIN = stripe.base
        StripeAccount.objects.create(
            practice=practice,
            secret_key="sk_test_browser",
            webhook_secret=WEBHOOK_SECRET,
            ask=StripeAccount.Ask.DEPOSIT,
            deposit=Decimal("20.00"),
        )
        phone = browser.new_page(**PHONE)
        choose_a_time(phone, live_server, practice, "Noor", "Haddad", "noor@example.com")
        phone.get_by_role("button", name=re.compile("Book")).click()
        open_confirmation_link(phone)
        expect(phone.get_by_text(re.compile("takes £20.00 now by card"))).to_be_visible()
        phone.screenshot(path=ARTIFACTS / "deposit-confirm-page.png", full_page=True)
        phone.get_by_role("button", name="Pay £20.00 and book").click()

        expect(phone.get_by_role("heading", name="Test checkout")).to_be_visible()  # Stripe's
        phone.get_by_role("button", name="Pay").click()
        expect(phone.get_by_role("heading", name="Confirming your payment…")).to_be_visible()
        assert not Appointment.objects.exists()

        session = stripe.last_session()
        payload, header = signed(stripe.completed(session["id"]), WEBHOOK_SECRET)
        url = reverse("receipts:stripe_webhook", args=[practice.public_id])
        stripe_side = Http()  # Stripe's servers, delivering the same event twice
        answers = [
            stripe_side.post(
                url, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
            ).content
            for _ in range(2)
        ]
        assert answers == [b"handled", b"already handled"]

        expect(phone.get_by_role("heading", name="You are booked")).to_be_visible(timeout=10000)
        expect(phone.get_by_text("£20.00 is paid and counts towards the session")).to_be_visible()
        phone.screenshot(path=ARTIFACTS / "deposit-booked.png", full_page=True)
    [payment] = Payment.objects.all()
    assert payment.amount == Decimal("20.00") and payment.method == "online"
    [appointment] = Appointment.objects.all()
    assert appointment.client.email == "noor@example.com"
    assert [i.appointment for i in payment.items.all()] == [appointment]
    dispatch.dispatch()
    receipt_mail = [m for m in mail.outbox if m.subject.startswith("Your receipt")]
    assert len(receipt_mail) == 1 and receipt_mail[0].to == ["noor@example.com"]
