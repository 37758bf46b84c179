"""Gift cards and offer codes: made in a batch, used when paying, their balance after each
use, and every way a code can be wrong said next to the field."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from practice.payments import services
from practice.payments.models import Payment, Voucher, VoucherUse
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, ServiceFactory, working_every_day

NOW = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=datetime.UTC)


def owed(client, price="70", service=None):
    return AppointmentFactory(
        client=client,
        service=service,
        price=Decimal(price),
        start=NOW - datetime.timedelta(days=1),
        status=Appointment.Status.COMPLETED,
        unpaid=True,
    )


def pay(owner_client, client, session, amount, code):
    return owner_client.post(
        reverse("payments:client", args=[client.public_id]),
        {
            f"pay_{session.pk}": "on",
            f"amount_{session.pk}": amount,
            "method": "cash",
            "paid_on": "2026-12-04",
            "voucher": code,
        },
    )


@time_machine.travel(NOW, tick=False)
def test_a_batch_of_offer_codes_each_used_once_by_a_new_client(owner_client, practice):
    response = owner_client.post(
        reverse("payments:voucher_create"),
        {
            "count": "20",
            "amount": "30.00",
            "uses": "1",
            "valid_from": "2026-12-01",
            "valid_until": "2027-01-31",
            "label": "Group-discount December",
        },
    )
    assert response.status_code == 302
    codes = list(Voucher.objects.values_list("code", flat=True))
    assert len(set(codes)) == 20 and all(len(code) == 9 and code[4] == "-" for code in codes)

    newcomer = ClientFactory(practice=practice, first_name="Noor", last_name="Haddad")
    session = owed(newcomer)
    typed = codes[0].lower().replace("-", " ")  # as a client reads it out
    assert pay(owner_client, newcomer, session, "30", typed).status_code == 302
    payment = Payment.objects.get()
    assert (payment.method, payment.amount) == (Payment.Method.VOUCHER, Decimal("30"))
    text = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(bytes(payment.receipts.get().pdf))).pages
        ).split()
    )
    assert f"code {codes[0]} (Group-discount December)" in text
    [still] = services.owed_sessions(newcomer)
    assert still.owed == Decimal("40")  # the rest, by another way

    again = pay(owner_client, newcomer, still, "30", codes[0])
    assert "This code has been used up." in again.content.decode()
    listed = owner_client.get(reverse("payments:vouchers")).content.decode()
    assert listed.count("This code has been used up.") == 1 and "£30.00" in listed


@time_machine.travel(NOW, tick=False)
def test_a_gift_card_is_spent_over_several_visits(owner_client, owner, practice):
    [card] = services.make_vouchers(
        practice, count=1, amount=Decimal("100"), uses=5, bought_by="Tom", given_to="Ana"
    )
    ana = ClientFactory(practice=practice)
    first, second = owed(ana, "60"), owed(ana, "60")

    assert pay(owner_client, ana, first, "60", card.code).status_code == 302
    too_much = pay(owner_client, ana, second, "60", card.code).content.decode()
    assert "This code has 40.00 left: enter at most that, and the rest apart." in too_much
    assert 'value="60"' in too_much  # what was typed is kept
    assert pay(owner_client, ana, second, "40", card.code).status_code == 302

    [left] = services.with_balance(Voucher.objects.filter(pk=card.pk))
    assert services.voucher_left(left) == 0
    assert VoucherUse.objects.filter(voucher=card).count() == 2


@time_machine.travel(NOW, tick=False)
def test_codes_that_are_wrong_say_why_next_to_the_field(owner_client, practice):
    massage = ServiceFactory(practice=practice, name="Hot stones")
    client = ClientFactory(practice=practice)
    session = owed(client, service=ServiceFactory(practice=practice, name="Deep tissue"))
    [later] = services.make_vouchers(
        practice, count=1, amount=Decimal("20"), valid_from=datetime.date(2027, 1, 1)
    )
    [old] = services.make_vouchers(
        practice,
        count=1,
        amount=Decimal("20"),
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 6, 30),
    )
    [stones] = services.make_vouchers(practice, count=1, service=massage)

    for code, message in (
        ("ZZZZ-ZZZZ", "No voucher has this code: check it with the client."),
        (later.code, "This code can be used from 1 Jan 2027."),
        (old.code, "This code ran out on 30 Jun 2026."),
        (stones.code, "This code pays for one session of Hot stones."),
    ):
        page = pay(owner_client, client, session, "20", code).content.decode()
        assert message in page, message
    assert not Payment.objects.exists()


def test_a_voucher_is_worth_an_amount_or_a_session_not_both(owner_client, practice):
    service = ServiceFactory(practice=practice)
    page = owner_client.post(
        reverse("payments:voucher_create"),
        {
            "count": "1",
            "amount": "20",
            "service": service.pk,
            "uses": "1",
            "valid_from": "2026-12-01",
        },
    ).content.decode()
    assert "Give an amount, or choose a session: one of the two." in page
    assert not Voucher.objects.exists()


def test_only_an_owner_makes_codes(assistant_client):
    assert assistant_client.get(reverse("payments:voucher_create")).status_code == 403
    assert assistant_client.get(reverse("payments:vouchers")).status_code == 200


@pytest.mark.parametrize("typed", ["abcd2345", "ABCD 2345", "abcd-2345"])
def test_a_code_is_read_however_it_is_typed(typed):
    assert services.normal_code(typed) == "ABCD-2345"


@time_machine.travel(NOW, tick=False)
def test_a_voucher_for_a_session_pays_one_whole_session_of_its_service(owner_client, practice):
    stones = ServiceFactory(practice=practice, name="Hot stones")
    [voucher] = services.make_vouchers(practice, count=1, service=stones, given_to="Mum")
    client = ClientFactory(practice=practice)
    session = owed(client, "85", service=stones)

    part = pay(owner_client, client, session, "50", voucher.code).content.decode()
    assert "This code pays for the whole session: enter what is owed." in part
    assert pay(owner_client, client, session, "85", voucher.code).status_code == 302
    assert services.owed_sessions(client) == []


@time_machine.travel(NOW, tick=False)
def test_a_new_client_books_online_with_an_offer_code_and_it_pays_at_the_session(
    client, owner_client, owner, practice, settings, mailoutbox
):
    from sessions import booking
    from sessions.models import BookingHold, Service

    settings.QUIET_HOURS = (24, 0)
    practice.online_booking = True
    practice.time_zone = "Europe/London"
    practice.save()
    working_every_day(practice, owner)
    service = Service.objects.create(
        practice=practice, name="First visit", duration_minutes=60, price=70, min_notice_hours=1
    )
    [code] = services.make_vouchers(
        practice, count=1, amount=Decimal("30"), label="Group-discount December"
    )
    start = (NOW + datetime.timedelta(days=3)).replace(hour=10, minute=0)
    url = reverse("booking:details", args=[practice.slug, service.public_id])
    details = {
        "start": start.strftime("%Y-%m-%dT%H:%MZ"),
        "first_name": "Noor",
        "last_name": "Haddad",
        "email": "noor@example.com",
        "preferred_channel": "email",
    }

    wrong = client.post(url, {**details, "code": "ZZZZ-ZZZZ"}).content.decode()
    assert "We do not know this code: check it, or leave it empty." in wrong
    assert 'value="Noor"' in wrong
    assert client.post(url, {**details, "code": code.code.lower()}).status_code == 302
    hold = BookingHold.objects.get()
    assert hold.voucher_code == code.code
    appointment = booking.confirm_hold(hold)
    assert appointment.voucher_code == code.code

    Appointment.objects.filter(pk=appointment.pk).update(
        status=Appointment.Status.COMPLETED, unpaid=True
    )
    page = owner_client.get(reverse("payments:client", args=[appointment.client.public_id]))
    assert f"booked with code {code.code}" in page.content.decode()
    assert pay(owner_client, appointment.client, appointment, "30", code.code).status_code == 302
    assert VoucherUse.objects.get().voucher == code
