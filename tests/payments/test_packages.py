"""Sessions paid ahead: a package of five used over three sessions, what is left shown to
the therapist and to the client, and the refusals."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from practice.payments import services
from practice.payments.models import Package, PackageUse, Receipt
from sessions import booking
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, ServiceFactory

NOW = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture
def regular(practice):
    client = ClientFactory(
        practice=practice,
        first_name="Lena",
        last_name="Berg",
        email="lena@example.com",
        email_consent=True,
    )
    service = ServiceFactory(practice=practice, name="Sports massage", price=Decimal("65"))
    return client, service


def held(client, service, days_ago):
    return AppointmentFactory(
        client=client,
        service=service,
        price=service.price,
        start=NOW - datetime.timedelta(days=days_ago),
        status=Appointment.Status.COMPLETED,
        unpaid=True,
    )


@time_machine.travel(NOW, tick=False)
def test_a_package_of_five_used_over_three_sessions(owner_client, practice, regular):
    client, service = regular
    response = owner_client.post(
        reverse("payments:package_sell", args=[client.public_id]),
        {
            "service": service.pk,
            "sessions": "5",
            "price": "290.00",
            "expires_on": "2027-06-30",
            "method": "card",
        },
    )
    assert response.status_code == 302
    package = Package.objects.get()
    receipt = Receipt.objects.get()
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(receipt.pdf))).pages).split()
    )
    assert "Package of 5 sessions: Sports massage, until 30 June 2027" in text
    assert "£290.00" in text

    url = reverse("payments:client", args=[client.public_id])
    for days in (21, 14, 7):
        session = held(client, service, days)
        page = owner_client.get(url).content.decode()
        assert "Take from the package" in page
        owner_client.post(
            reverse("payments:package_use", args=[package.public_id]),
            {"session": str(session.public_id)},
        )
        assert Appointment.objects.get(pk=session.pk).unpaid is False

    assert PackageUse.objects.filter(package=package).count() == 3
    page = owner_client.get(url).content.decode()
    assert "2 of 5 left" in page and "Nothing is owed." in page
    assert services.takings(practice, NOW)["paid"] == Decimal("290.00")  # paid once

    practice.online_booking = True
    practice.save()
    mine = owner_client.get(reverse("booking:mine", args=[booking.issue_link(client)]))
    assert "Package of 5 sessions: Sports massage: 2 of 5 left, until 30 Jun 2027" in (
        mine.content.decode()
    )


@time_machine.travel(NOW, tick=False)
def test_a_package_pays_only_its_service_while_it_lasts_and_only_a_session_not_paid_at_all(
    owner_client, owner, practice, regular
):
    client, service = regular
    package, _receipt = services.sell_package(
        client,
        by=owner,
        service=service,
        sessions=1,
        price=Decimal("60"),
        method="cash",
        expires_on=datetime.date(2026, 12, 31),
    )
    other = held(client, ServiceFactory(practice=practice, name="Hot stones"), 3)
    part_paid = held(client, service, 4)
    services.record_payment(client, by=owner, amounts={part_paid: Decimal("10")}, method="cash")
    session = held(client, service, 2)

    use = reverse("payments:package_use", args=[package.public_id])
    for refused, why in (
        (other, "This package cannot pay for this session."),  # another service
        (part_paid, "Only a session held and not paid at all can come from a package."),
    ):
        response = owner_client.post(use, {"session": str(refused.public_id)}, follow=True)
        assert why in response.content.decode()
    owner_client.post(use, {"session": str(session.public_id)})
    second = held(client, service, 1)
    response = owner_client.post(use, {"session": str(second.public_id)}, follow=True)

    assert "This package cannot pay for this session." in response.content.decode()
    assert PackageUse.objects.count() == 1
    garbage = owner_client.post(use, {"session": "garbage"}, follow=True).content.decode()
    assert "Choose one of this client&#x27;s sessions." in garbage
    assert owner_client.get(use).status_code == 405


def test_an_expired_package_is_not_offered(owner, practice, regular):
    client, service = regular
    with time_machine.travel(datetime.datetime(2025, 1, 10, tzinfo=datetime.UTC), tick=False):
        package, _ = services.sell_package(
            client,
            by=owner,
            service=None,
            sessions=5,
            price=Decimal("250"),
            method="card",
            expires_on=datetime.date(2025, 6, 30),
        )
    [shown] = services.packages_of(client)
    assert shown.expired and not shown.usable
    with pytest.raises(Exception, match="cannot pay"):
        services.use_package(package, held(client, service, 1), by=owner)
