"""The practice's policy fees: a missed session or a late cancellation owes the fee the
practice set, it can be paid like a session or waived with a reason, and the booking pages
say what it costs before anyone books."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from practice.models import AuditEvent, Membership
from practice.payments import services
from practice.payments.models import Fee
from sessions import booking
from sessions import services as session_services
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, working_every_day

NOW = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture
def policy(practice):
    practice.no_show_fee = Decimal("35.00")
    practice.late_cancellation_fee = Decimal("20.00")
    practice.save()
    return practice


def booked(practice, **fields):
    return AppointmentFactory(
        client=ClientFactory(practice=practice, first_name="Sam", last_name="Reyes"),
        price=Decimal("70"),
        **fields,
    )


@time_machine.travel(NOW, tick=False)
def test_a_missed_session_owes_the_policy_fee_which_a_receipt_names(owner, policy):
    session = booked(policy, start=NOW - datetime.timedelta(hours=3))
    membership = Membership.objects.get(user=owner)

    session_services.change_status(session, Appointment.Status.NO_SHOW, by=membership.user)

    fee = Fee.objects.get(appointment=session)
    assert (fee.kind, fee.amount) == (Fee.Kind.NO_SHOW, Decimal("35.00"))
    [owed] = services.owed_sessions(session.client)
    assert (owed.owed, owed.what) == (Decimal("35.00"), "Fee for a missed session")

    _payment, receipt = services.record_payment(
        session.client, by=owner, amounts={owed: Decimal("35.00")}, method="card"
    )
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(receipt.pdf))).pages)
    assert "Fee for a missed session" in text and "£35.00" in text
    assert services.owed_sessions(session.client) == []


@time_machine.travel(NOW, tick=False)
def test_a_late_cancellation_from_the_link_owes_its_fee_and_the_owner_waives_it(
    owner_client, owner, policy
):
    session = booked(policy, start=NOW + datetime.timedelta(hours=5))

    booking.cancel(session)

    fee = Fee.objects.get(appointment=session)
    assert (fee.kind, fee.amount) == (Fee.Kind.LATE_CANCELLATION, Decimal("20.00"))
    page = owner_client.get(reverse("payments:client", args=[session.client.public_id]))
    assert "Fee for a late cancellation" in page.content.decode()

    url = reverse("payments:fee_waive", args=[fee.public_id])
    refused = owner_client.post(url, {"reason": ""})
    assert "Say why the fee is waived." in refused.content.decode()
    response = owner_client.post(url, {"reason": "Her child was ill: a first time"})

    assert response.status_code == 302
    fee.refresh_from_db()
    assert fee.waived_at and fee.waive_reason == "Her child was ill: a first time"
    assert services.owed_sessions(session.client) == []
    assert AuditEvent.objects.filter(what="waived a fee for a late cancellation of 20.00").exists()
    assert owner_client.get(url).status_code == 404  # waived once


def test_only_an_owner_waives_a_fee(assistant_client, assistant, policy):
    session = booked(policy, start=NOW)
    session_services.change_status(session, Appointment.Status.NO_SHOW, by=assistant)
    fee = Fee.objects.get()

    response = assistant_client.post(
        reverse("payments:fee_waive", args=[fee.public_id]), {"reason": "x"}
    )

    assert response.status_code == 403
    assert Fee.objects.get().waived_at is None


def test_without_a_fee_in_the_policy_nothing_is_owed(owner, practice):
    session = booked(practice, start=NOW)
    session_services.change_status(session, Appointment.Status.NO_SHOW, by=owner)

    assert not Fee.objects.exists()
    assert services.owed_sessions(session.client) == []


@time_machine.travel(NOW, tick=False)
def test_the_booking_pages_say_what_a_late_cancellation_and_a_missed_session_cost(client, policy):
    from sessions.models import Service

    from ..factories import MembershipFactory

    policy.online_booking = True
    policy.time_zone = "Europe/London"
    policy.save()
    owner = MembershipFactory(practice=policy, role="owner").user
    working_every_day(policy, owner)
    service = Service.objects.create(
        practice=policy, name="Massage", duration_minutes=60, price=60, min_notice_hours=1
    )
    start = (NOW + datetime.timedelta(days=3)).replace(hour=10, minute=0)
    page = client.get(
        reverse("booking:details", args=[policy.slug, service.public_id]),
        {"at": start.strftime("%Y-%m-%dT%H:%MZ")},
    ).content.decode()

    assert "Cancelling less than 24 hours before costs £20.00." in page
    assert "A missed session costs £35.00." in page
