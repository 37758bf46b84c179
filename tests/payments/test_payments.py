"""Recording money against sessions, and the receipt the client gets."""

import datetime
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from followups import dispatch
from followups.models import FollowUp
from practice.models import AuditEvent
from practice.payments import services
from practice.payments.models import Payment, Receipt
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, PracticeFactory, ServiceFactory

NOW = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=datetime.UTC)


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def paying(practice, settings):
    settings.QUIET_HOURS = (24, 0)
    practice.address = "4 Elm Row\nBristol BS1 4DJ"
    practice.tax_number = "GB 123 4567 89"
    practice.licence_body, practice.licence_number = "CNHC", "CN-0042"
    practice.save()
    client = ClientFactory(
        practice=practice,
        first_name="Mia",
        last_name="Okafor",
        email="mia@example.com",
        email_consent=True,
    )
    service = ServiceFactory(practice=practice, name="Deep tissue, 60 minutes", price=70)
    sessions = [
        AppointmentFactory(
            client=client,
            service=service,
            price=Decimal("70.00"),
            start=NOW - datetime.timedelta(days=days),
            status=Appointment.Status.COMPLETED,
            unpaid=True,
        )
        for days in (14, 7)
    ]
    return client, sessions


@time_machine.travel(NOW, tick=False)
def test_a_cash_payment_settles_a_session_and_the_client_gets_the_receipt_by_email(
    owner_client, owner, practice, paying
):
    client, (first, second) = paying
    url = reverse("payments:client", args=[client.public_id])
    page = owner_client.get(url).content.decode()
    assert "£140.00" in page  # what is owed, as the country writes it

    response = owner_client.post(
        url,
        {
            f"pay_{first.pk}": "on",
            f"amount_{first.pk}": "70.00",
            "method": "cash",
            "paid_on": "2026-12-04",
            "email": "on",
        },
    )

    assert response.status_code == 302
    payment = Payment.objects.get()
    receipt = payment.receipts.get()
    assert (payment.amount, receipt.number, receipt.amount) == (Decimal("70"), 1, Decimal("70"))
    assert Appointment.objects.get(pk=first.pk).unpaid is False
    assert Appointment.objects.get(pk=second.pk).unpaid is True
    assert receipt.matches
    text = pdf_text(bytes(receipt.pdf))
    for expected in (
        "Receipt 1",
        practice.name,
        "Bristol BS1 4DJ",
        "GB 123 4567 89",
        "Mia Okafor",
        "20 November 2026",  # the session, as a date is written in the UK
        "Deep tissue, 60 minutes",
        "£70.00",
        "Cash",
        "CNHC CN-0042",
    ):
        assert expected in text, expected
    assert AuditEvent.objects.filter(what__contains="receipt 1").exists()

    assert dispatch.dispatch() == 1
    [message] = mail.outbox
    assert message.to == ["mia@example.com"]
    assert message.subject == f"Your receipt from {practice.name}"
    assert "Thank you for your payment" in message.body and "&" not in message.body
    [(name, data, kind)] = message.attachments
    assert (name, kind) == ("receipt-1.pdf", "application/pdf")
    assert data == bytes(receipt.pdf)  # what the client got is what is kept


@time_machine.travel(NOW, tick=False)
def test_part_of_a_session_paid_leaves_the_rest_owed_and_a_tip_stays_off_the_receipt(
    owner, practice, paying
):
    practice.takes_tips = True
    practice.save()
    client, (first, _second) = paying

    payment, receipt = services.record_payment(
        client, by=owner, amounts={first: Decimal("30.00")}, method="card", tip=Decimal("5")
    )

    [still] = [s for s in services.owed_sessions(client) if s.pk == first.pk]
    assert still.owed == Decimal("40.00")
    assert Appointment.objects.get(pk=first.pk).unpaid is True
    assert payment.tip == Decimal("5")
    text = pdf_text(bytes(receipt.pdf))
    assert "£30.00" in text and "£5.00" not in text and "tip" not in text.lower()
    [row] = [r for r in services.owed_by_clients(practice) if r["public_id"] == client.public_id]
    assert row["owed"] == Decimal("110.00") and row["sessions"] == 2


@time_machine.travel(NOW, tick=False)
def test_more_than_is_owed_is_refused_next_to_the_field_and_nothing_typed_is_lost(
    owner_client, paying
):
    client, (first, second) = paying
    response = owner_client.post(
        reverse("payments:client", args=[client.public_id]),
        {
            f"pay_{first.pk}": "on",
            f"amount_{first.pk}": "700",
            f"pay_{second.pk}": "on",
            f"amount_{second.pk}": "",
            "method": "transfer",
            "paid_on": "2026-12-03",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "That is more than the £70.00 still owed for it." in page
    assert "Enter how much was paid for it." in page
    assert 'value="700"' in page and 'value="transfer" selected' in page
    assert not Payment.objects.exists() and not Receipt.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_receipt_is_corrected_by_a_credit_note_with_the_next_number(owner_client, owner, paying):
    client, (first, _second) = paying
    _payment, receipt = services.record_payment(
        client, by=owner, amounts={first: Decimal("70")}, method="cash"
    )

    response = owner_client.post(
        reverse("payments:receipt_cancel", args=[receipt.public_id]),
        {"reason": "Recorded for the wrong session"},
    )

    assert response.status_code == 302
    credit = Receipt.objects.get(kind=Receipt.Kind.CREDIT_NOTE)
    assert (credit.number, credit.amount, credit.cancels_id) == (2, Decimal("-70"), receipt.pk)
    assert "cancels receipt 1" in pdf_text(bytes(credit.pdf))
    assert Appointment.objects.get(pk=first.pk).unpaid is True
    assert Receipt.objects.get(pk=receipt.pk).pdf == receipt.pdf  # untouched
    again = owner_client.post(
        reverse("payments:receipt_cancel", args=[receipt.public_id]), {"reason": "twice"}
    )
    assert "already been cancelled" in again.content.decode()
    assert Receipt.objects.count() == 2


def test_an_assistant_records_payments_but_only_an_owner_cancels_a_receipt(
    assistant_client, assistant, practice, paying
):
    client, (first, _second) = paying
    response = assistant_client.post(
        reverse("payments:client", args=[client.public_id]),
        {
            f"pay_{first.pk}": "on",
            f"amount_{first.pk}": "70",
            "method": "card",
            "paid_on": "2026-12-04",
        },
    )
    assert response.status_code == 302
    receipt = Receipt.objects.get()
    assert (
        assistant_client.get(reverse("payments:receipt", args=[receipt.public_id])).status_code
        == 200
    )
    cancel = reverse("payments:receipt_cancel", args=[receipt.public_id])
    assert assistant_client.post(cancel, {"reason": "x"}).status_code == 403


def test_a_client_without_email_consent_gets_no_receipt_by_email(owner, practice, paying):
    client, (first, _second) = paying
    client.email_consent = False
    client.save()

    _payment, receipt = services.record_payment(
        client, by=owner, amounts={first: Decimal("70")}, method="cash", email=False
    )

    assert receipt.followup is None
    assert not FollowUp.objects.filter(kind="receipt").exists()


def test_the_list_of_payments_runs_the_same_queries_for_many_rows(
    owner_client, owner, practice, django_assert_max_num_queries
):
    def add(number):
        for _ in range(number):
            client = ClientFactory(practice=practice)
            session = AppointmentFactory(
                client=client, status=Appointment.Status.COMPLETED, unpaid=True, price=50
            )
            AppointmentFactory(  # still owed: the client is on the list of who owes
                client=client, status=Appointment.Status.COMPLETED, unpaid=True, price=50
            )
            services.record_payment(client, by=owner, amounts={session: Decimal(50)}, method="cash")

    add(2)
    with django_assert_max_num_queries(12) as few:
        owner_client.get(reverse("payments:list"))
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = owner_client.get(reverse("payments:list")).content.decode()
    assert page.count("Receipt ") >= 12 and "12 clients owe" in page


def test_payments_page_by_the_last_row_and_a_bad_key_is_no_page(owner_client, owner, practice):
    person = ClientFactory(practice=practice, last_name="Many")
    for days in range(30):  # thirty payments on thirty days
        session = AppointmentFactory(
            client=person,
            status=Appointment.Status.COMPLETED,
            unpaid=True,
            price=40,
            start=NOW - datetime.timedelta(days=days),
        )
        services.record_payment(
            person,
            by=owner,
            amounts={session: Decimal(40)},
            method="cash",
            paid_on=(NOW - datetime.timedelta(days=days)).date(),
        )
    first = owner_client.get(reverse("payments:list")).content.decode()
    later = re.search(r'href="\?after=([0-9a-f-]{36})"', first).group(1)
    second = owner_client.get(reverse("payments:list") + f"?after={later}").content.decode()

    shown = [re.findall(r"Receipt (\d+)</a>", page) for page in (first, second)]
    assert [len(numbers) for numbers in shown] == [25, 5]
    assert sorted(map(int, shown[0] + shown[1])) == list(range(1, 31))  # each once
    assert "Earlier payments" in second and "The latest" in second and "Owed" not in second
    elsewhere = Payment.objects.create(
        practice=PracticeFactory(),
        client=ClientFactory(),
        amount=Decimal(1),
        method="cash",
    ).public_id
    for garbage in ("x", "None", "12", str(elsewhere)):
        assert owner_client.get(reverse("payments:list") + f"?after={garbage}").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_the_client_finds_their_receipts_on_their_personal_link(client, owner, practice, paying):
    from sessions import booking

    practice.online_booking = True
    practice.save()
    mia, (first, _second) = paying
    _payment, receipt = services.record_payment(
        mia, by=owner, amounts={first: Decimal("70")}, method="cash"
    )
    token = booking.issue_link(mia)

    page = client.get(reverse("booking:mine", args=[token])).content.decode()
    url = reverse("receipts:personal", args=[token, receipt.public_id])
    assert "Your receipts" in page and url in page and "Receipt 1 of 4 Dec 2026 (PDF)" in page
    response = client.get(url)
    assert response.status_code == 200 and response.content == bytes(receipt.pdf)

    someone = ClientFactory(practice=practice)
    assert (
        client.get(reverse("booking:mine", args=[booking.issue_link(someone)])).status_code == 200
    )
    other_link = booking.issue_link(someone)
    assert (
        client.get(reverse("receipts:personal", args=[other_link, receipt.public_id])).status_code
        == 404
    )


def test_a_receipt_carries_what_insurers_ask_for_where_the_practice_turns_it_on(owner, practice):
    service = ServiceFactory(
        practice=practice, name="Therapeutic massage", service_code="CPT 97124"
    )
    person = ClientFactory(
        practice=practice,
        first_name="Ruth",
        last_name="Adler",
        date_of_birth=datetime.date(1971, 3, 9),
        diagnosis_code="M54.5",
        referring_physician="Dr Ana Costa",
    )

    def receipt():
        session = AppointmentFactory(
            client=person, service=service, price=Decimal("90"), status="completed", unpaid=True
        )
        [owed] = services.owed_sessions(person)
        return services.record_payment(person, by=owner, amounts={owed: owed.owed}, method="card")[
            1
        ], session

    plain, _ = receipt()
    practice.insurer_receipts, practice.provider_number = True, "NPI 1234567893"
    practice.save()
    superbill, _ = receipt()

    text = pdf_text(bytes(plain.pdf))
    assert "CPT 97124" not in text and "M54.5" not in text and "NPI" not in text
    text = pdf_text(bytes(superbill.pdf))
    assert "Provider number: NPI 1234567893" in text
    assert "CPT 97124" in text and "Therapeutic massage" in text
    assert "Diagnosis code: M54.5, referred by Dr Ana Costa" in text
    assert "Ruth Adler, born 9 March 1971" in text
