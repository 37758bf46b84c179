"""Recording payments against sessions, what is owed, and correcting a receipt."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clients.timeline import Entry
from practice.models import AuditEvent
from sessions.models import Appointment

from . import receipts
from .models import Payment, PaymentItem, Receipt

ZERO = Decimal("0.00")
# Sessions that can be owed for: held, and marked "not paid yet" by the therapist.
OWED_STATUSES = (Appointment.Status.COMPLETED,)


def paid_for(appointments):
    """`appointments` with `paid` (what payments not voided put towards each) and `owed`."""
    paid = (
        PaymentItem.objects.filter(appointment=OuterRef("pk"), payment__voided_at=None)
        .order_by()
        .values("appointment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=10, decimal_places=2)
    return appointments.annotate(
        paid=Coalesce(Subquery(paid, output_field=money), Value(ZERO, output_field=money))
    ).annotate(owed=F("price") - F("paid"))


def owed_sessions(client):
    """The client's sessions still (partly) to pay, oldest first."""
    sessions = client.appointments.filter(status__in=OWED_STATUSES, unpaid=True)
    sessions = paid_for(sessions.select_related("service")).order_by("start")
    return [session for session in sessions if session.owed > 0]


def owed_by_clients(practice):
    """Every client who owes for sessions, with how much and since when (one query)."""
    sessions = paid_for(
        Appointment.objects.filter(practice=practice, status__in=OWED_STATUSES, unpaid=True)
    )
    rows = {}
    for client_id, first, last, public_id, start, owed in sessions.values_list(
        "client_id",
        "client__first_name",
        "client__last_name",
        "client__public_id",
        "start",
        "owed",
    ).order_by("start"):
        if owed <= 0:
            continue
        row = rows.setdefault(
            client_id,
            {"name": f"{first} {last}", "public_id": public_id, "since": start, "owed": ZERO},
        )
        row["owed"] += owed
        row["sessions"] = row.get("sessions", 0) + 1
    return sorted(rows.values(), key=lambda row: row["since"])


@transaction.atomic
def record_payment(client, *, by, amounts, method, paid_on=None, tip=ZERO, email=False):
    """Record money taken from `client`: `amounts` maps each session it pays for to the
    part of it paid now. Issues the receipt (and e-mails it when asked); a session paid in
    full is no longer owed. Raises ValidationError when a part is more than is owed."""
    if not amounts:
        raise ValidationError("Choose at least one session this pays for.")
    locked = {
        session.pk: session
        for session in paid_for(
            Appointment.objects.select_for_update(of=("self",)).filter(
                pk__in=[session.pk for session in amounts], client=client
            )
        )
    }
    for session, amount in amounts.items():
        owed = locked[session.pk].owed if session.pk in locked else ZERO
        if amount <= 0 or amount > owed:
            raise ValidationError(
                f"{amount} is more than the {owed} still owed for the session of "
                f"{timezone.localtime(session.start):%-d %b %Y}."
            )
    payment = Payment.objects.create(
        practice=client.practice,
        client=client,
        amount=sum(amounts.values(), ZERO),
        tip=tip,
        method=method,
        paid_on=paid_on or timezone.localdate(),
        recorded_by=by,
    )
    PaymentItem.objects.bulk_create(
        PaymentItem(practice=client.practice, payment=payment, appointment=session, amount=amount)
        for session, amount in amounts.items()
    )
    settled = [pk for pk, session in locked.items() if amounts.get(session) == session.owed]
    Appointment.objects.filter(pk__in=settled).update(unpaid=False)
    receipt = receipts.issue(payment, email=email)
    AuditEvent.objects.create(
        practice=client.practice,
        user=by,
        client=client,
        action=AuditEvent.Action.CHANGE,
        what=f"recorded a payment of {payment.amount} ({payment.get_method_display()}), "
        f"receipt {receipt.number}",
    )
    return payment, receipt


@transaction.atomic
def cancel_receipt(receipt, *, by, reason):
    """A receipt issued by mistake: a credit note that cancels it (numbered like receipts),
    the payment voided and its sessions owed again. Nothing is edited or deleted."""
    if not reason.strip():
        raise ValidationError("Say why the receipt is cancelled.")
    locked = Payment.objects.select_for_update().get(pk=receipt.payment_id)
    if receipt.kind != Receipt.Kind.RECEIPT or locked.voided_at:
        raise ValidationError("This receipt has already been cancelled.")
    locked.voided_at, locked.void_reason = timezone.now(), reason.strip()[:300]
    locked.save(update_fields=["voided_at", "void_reason"])
    Appointment.objects.filter(payment_items__payment=locked).update(unpaid=True)
    credit = receipts.issue(locked, kind=Receipt.Kind.CREDIT_NOTE, cancels=receipt)
    AuditEvent.objects.create(
        practice=locked.practice,
        user=by,
        client=locked.client,
        action=AuditEvent.Action.CHANGE,
        what=f"cancelled receipt {receipt.number} with credit note {credit.number}",
    )
    return credit


def personal_section(client, token):
    """The client's receipts, on their personal link's page (one query)."""
    receipts = Receipt.objects.filter(payment__client=client).order_by("-number")
    return {
        "title": "Your receipts",
        "items": [
            (
                f"{receipt.get_kind_display()} {receipt.number} of "
                f"{timezone.localtime(receipt.issued_at):%-d %b %Y} (PDF)",
                reverse("receipts:personal", args=[token, receipt.public_id]),
            )
            for receipt in receipts.only("public_id", "number", "kind", "issued_at")[:24]
        ],
    }


def timeline_entries(client, limit=None):
    """Payments on the client's timeline."""
    rows = client.payments.order_by("-paid_on", "-pk").values_list(
        "recorded_at", "amount", "method", "voided_at"
    )[:limit]
    methods = dict(Payment.Method.choices)
    return [
        Entry(
            when=recorded_at,
            kind="payment",
            title=f"Payment {amount} {client.practice.currency}",
            detail=methods[method] + (" · cancelled" if voided_at else ""),
        )
        for recorded_at, amount, method, voided_at in rows
    ]
