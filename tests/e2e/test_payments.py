"""A client pays cash at the end of a session, on the therapist's phone: the payment is
recorded with the amount left as owed, the receipt is e-mailed with its PDF, and the PDF
the client opens is the one kept."""

import datetime
import io
from decimal import Decimal

from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from followups import dispatch
from practice.payments.models import Receipt
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, MembershipFactory, ServiceFactory
from .test_session_note import sign_in


def test_a_cash_payment_and_the_receipt_the_client_receives(
    page, live_server, practice, screenshot, settings
):
    settings.QUIET_HOURS = (24, 0)
    practice.tax_number = "GB 123 4567 89"
    practice.save()
    owner = MembershipFactory(practice=practice).user
    client = ClientFactory(
        practice=practice,
        first_name="Mia",
        last_name="Okafor",
        email="mia@example.com",
        email_consent=True,
    )
    session = AppointmentFactory(
        client=client,
        service=ServiceFactory(practice=practice, name="Deep tissue, 60 minutes"),
        price=Decimal("70.00"),
        start=datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC),
        status=Appointment.Status.COMPLETED,
        unpaid=True,
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, owner)

    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name="Payments", exact=True).first.click()  # the menu
    expect(page.get_by_text("1 client owes £70.00 in all.")).to_be_visible()
    page.get_by_role("link", name="Mia Okafor").click()
    expect(page.get_by_text("Owed: £70.00 for 1 session.")).to_be_visible()
    page.get_by_label("Amount paid for 30 Nov").fill("700")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("That is more than the £70.00 still owed for it.")).to_be_visible()
    screenshot("too-much")
    expect(page.get_by_label("Amount paid for 30 Nov")).to_have_value("700")  # kept

    page.get_by_label("Amount paid for 30 Nov").fill("70")
    page.get_by_label("How it was paid").select_option("cash")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("Receipt 1 is ready")).to_be_visible()
    expect(page.get_by_text("Nothing is owed.")).to_be_visible()
    screenshot("paid")
    assert not Appointment.objects.get(pk=session.pk).unpaid

    link = page.get_by_role("link", name="Receipt 1 (PDF)")
    opened = page.request.get(live_server.url + link.get_attribute("href"))
    assert (opened.status, opened.headers["content-type"]) == (200, "application/pdf")
    shown = opened.body()
    receipt = Receipt.objects.get()
    assert shown == bytes(receipt.pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(shown)).pages)
    assert "Receipt 1" in text and "Mia Okafor" in text and "£70.00" in text
    assert "30 November 2026" in text and "GB 123 4567 89" in text

    assert dispatch.dispatch() == 1
    [message] = mail.outbox
    assert message.to == ["mia@example.com"]
    assert message.attachments[0][1] == shown
