"""Receipt numbers on PostgreSQL: without gaps per practice when many are issued at once
and when a transaction rolls back; and a receipt that raw SQL cannot change or delete."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django_scopes import scopes_disabled

from practice.models import Membership
from practice.payments import services
from practice.payments.models import Receipt
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, MembershipFactory, PracticeFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and triggers"),
    pytest.mark.django_db(transaction=True),
]


def owed_session(practice):
    client = ClientFactory(practice=practice)
    return AppointmentFactory(
        client=client, status=Appointment.Status.COMPLETED, unpaid=True, price=Decimal("60")
    )


def test_twenty_receipts_issued_at_once_are_numbered_one_to_twenty():
    practice = PracticeFactory()
    owner = MembershipFactory(practice=practice, role=Membership.Role.OWNER).user
    neighbour = PracticeFactory()
    sessions = [owed_session(practice) for _ in range(20)]
    elsewhere = owed_session(neighbour)
    start = threading.Barrier(20, timeout=30)
    failures = []

    def pay(session):
        try:
            with scopes_disabled():
                start.wait()
                services.record_payment(
                    session.client, by=owner, amounts={session: Decimal("60")}, method="cash"
                )
        except Exception as error:  # reported below, with the thread's own error
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    with scopes_disabled():
        numbers = sorted(Receipt.objects.filter(practice=practice).values_list("number", flat=True))
        assert numbers == list(range(1, 21))
        services.record_payment(
            elsewhere.client, by=owner, amounts={elsewhere: Decimal("60")}, method="cash"
        )
        assert Receipt.objects.get(practice=neighbour).number == 1  # each practice its own


def test_a_number_taken_in_a_transaction_that_rolls_back_is_given_again():
    practice = PracticeFactory()
    owner = MembershipFactory(practice=practice, role=Membership.Role.OWNER).user
    first, second = owed_session(practice), owed_session(practice)
    with scopes_disabled():
        with pytest.raises(RuntimeError), transaction.atomic():
            services.record_payment(
                first.client, by=owner, amounts={first: Decimal("60")}, method="cash"
            )
            raise RuntimeError("the card terminal declined after all")
        _payment, receipt = services.record_payment(
            second.client, by=owner, amounts={second: Decimal("60")}, method="cash"
        )
    assert receipt.number == 1


def test_raw_sql_cannot_change_or_delete_a_receipt():
    practice = PracticeFactory()
    owner = MembershipFactory(practice=practice, role=Membership.Role.OWNER).user
    session = owed_session(practice)
    with scopes_disabled():
        _payment, receipt = services.record_payment(
            session.client, by=owner, amounts={session: Decimal("60")}, method="cash"
        )
    for statement in (
        "UPDATE payments_receipt SET amount = 6 WHERE id = %s",
        "UPDATE payments_receipt SET number = 99 WHERE id = %s",
        "UPDATE payments_receipt SET pdf = 'x' WHERE id = %s",
        "DELETE FROM payments_receipt WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [receipt.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL practice.evidence_guard = 'on'")
        cursor.execute("TRUNCATE payments_receipt CASCADE")
    with scopes_disabled():
        kept = Receipt.objects.get(pk=receipt.pk)
    assert (kept.number, kept.amount, bytes(kept.pdf)) == (1, Decimal("60"), bytes(receipt.pdf))
