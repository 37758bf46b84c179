"""Money given back: from a payment, never more than it took, with its credit note, and
for a complaint's agreed refund, linked to the complaint."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from complaints.models import Complaint
from followups import dispatch
from practice.payments import services
from practice.payments.models import Receipt, Refund
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, ComplaintFactory

NOW = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture
def paid(practice, owner):
    client = ClientFactory(practice=practice, first_name="Ana", last_name="Silva")
    session = AppointmentFactory(
        client=client, status=Appointment.Status.COMPLETED, unpaid=True, price=Decimal("80")
    )
    payment, receipt = services.record_payment(
        client, by=owner, amounts={session: Decimal("80")}, method="card"
    )
    return client, payment, receipt


def test_a_complaints_agreed_refund_is_recorded_against_the_payment(owner_client, paid):
    client, payment, receipt = paid
    complaint = ComplaintFactory(
        client=client, offer=Complaint.Offer.REFUND, offer_value=Decimal("30")
    )
    url = reverse("payments:refund", args=[client.public_id]) + f"?complaint={complaint.public_id}"

    form = owner_client.get(url).content.decode()
    assert 'value="30' in form and "Agreed for the complaint of" in form
    response = owner_client.post(
        url,
        {"payment": str(payment.public_id), "amount": "30.00", "reason": "Pressure too firm"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.public_id])
    refund = Refund.objects.get()
    assert (refund.amount, refund.complaint, refund.payment) == (Decimal("30"), complaint, payment)
    credit = Receipt.objects.get(kind=Receipt.Kind.CREDIT_NOTE)
    assert (credit.number, credit.amount, credit.cancels) == (2, Decimal("-30"), receipt)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(credit.pdf))).pages)
    assert "Refund: Pressure too firm" in text and "-£30.00" in text
    assert "refund of -£30.00" not in text


def test_a_refund_never_exceeds_what_was_paid_less_what_was_given_back(owner_client, owner, paid):
    client, payment, receipt = paid
    services.refund(payment, by=owner, amount=Decimal("50"), reason="A session cut short")

    response = owner_client.post(
        reverse("payments:refund", args=[client.public_id]),
        {"payment": str(payment.public_id), "amount": "40", "reason": "Again"},
    )

    assert response.status_code == 200
    assert "At most £30.00 can be given back from this payment." in response.content.decode()
    with pytest.raises(ValidationError):
        services.refund(payment, by=owner, amount=Decimal("30.01"), reason="x")
    services.refund(payment, by=owner, amount=Decimal("30"), reason="The rest")
    assert services.refundable(payment) == 0
    with pytest.raises(ValidationError, match="refunded"):
        services.cancel_receipt(receipt, by=owner, reason="wrong")


def test_another_clients_complaint_is_404(owner_client, practice, paid):
    client, _payment, _receipt = paid
    someone = ComplaintFactory(client=ClientFactory(practice=practice))
    url = reverse("payments:refund", args=[client.public_id])
    assert owner_client.get(url, {"complaint": str(someone.public_id)}).status_code == 404
    assert owner_client.get(url, {"complaint": "garbage"}).status_code == 404


def test_only_an_owner_gives_money_back(assistant_client, paid):
    client, _payment, _receipt = paid
    response = assistant_client.get(reverse("payments:refund", args=[client.public_id]))
    assert response.status_code == 403


@time_machine.travel(NOW, tick=False)
def test_the_statement_of_a_year_lists_payments_and_refunds_and_what_they_come_to(
    owner_client, owner, paid
):
    client, payment, _receipt = paid
    services.refund(payment, by=owner, amount=Decimal("30"), reason="Session cut short")
    url = reverse("payments:statement", args=[client.public_id])

    response = owner_client.get(url, {"year": "2026"})

    assert response["Content-Type"] == "application/pdf"
    text = pdf_of(response)
    assert "Statement of payments, 2026" in text and "Ana Silva" in text
    assert "£80.00" in text and "Refund: Session cut short" in text and "£50.00" in text
    assert "No payments in 2025." in pdf_of(owner_client.get(url, {"year": "2025"}))
    assert owner_client.get(url, {"year": "20x6"}).status_code == 404
    assert owner_client.get(url, {"year": "99999"}).status_code == 404


def pdf_of(response):
    """The PDF's words, however its lines wrap."""
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_dashboard_shows_money_paid_less_refunds_and_what_is_owed(
    owner_client, owner, practice, paid
):
    client, payment, _receipt = paid
    owner_client.get(reverse("dashboard"))  # the figures are kept for a while ...
    AppointmentFactory(
        client=client, status=Appointment.Status.COMPLETED, unpaid=True, price=Decimal("45")
    )
    services.refund(payment, by=owner, amount=Decimal("20"), reason="Late start")

    page = owner_client.get(reverse("dashboard")).content.decode()  # ... and forgotten

    assert "Paid in the last 12 months: <strong>£60.00</strong>" in page
    assert "(£80.00 less £20.00 given back)" in page
    assert "Owed now: <strong>£45.00</strong>" in page


def test_the_client_gets_the_credit_note_by_email_with_its_pdf(owner, practice, settings):
    settings.QUIET_HOURS = (24, 0)
    person = ClientFactory(
        practice=practice, first_name="Kai", email="kai@example.com", email_consent=True
    )

    def pay(price, **options):
        session = AppointmentFactory(
            client=person, price=Decimal(price), status="completed", unpaid=True
        )
        [owed] = [s for s in services.owed_sessions(person) if s.pk == session.pk]
        return services.record_payment(
            person, by=owner, amounts={owed: owed.owed}, method="card", **options
        )

    payment, _receipt = pay("60", email=True)
    _refund, credit = services.refund(payment, by=owner, amount=Decimal("10"), reason="Late")
    _payment, handed_over = pay("40")  # printed and handed over, not e-mailed
    quiet = services.cancel_receipt(handed_over, by=owner, reason="Recorded twice")

    dispatch.dispatch()
    sent = {m.subject: m for m in mail.outbox if m.to == ["kai@example.com"]}
    assert set(sent) == {"Your receipt from Calm Hands", "Your credit note from Calm Hands"}
    note = sent["Your credit note from Calm Hands"]
    [(name, data, kind)] = note.attachments
    assert (name, kind) == (f"credit-note-{credit.number}.pdf", "application/pdf")
    assert data == bytes(credit.pdf) and "Thank you for your payment" not in note.body
    assert quiet.followup_id is None  # its receipt was not e-mailed: nor is its cancellation
