"""Receipts: the next number, the PDF as rendered once, its e-mail through the outbox."""

import hashlib

from django.db import transaction
from django.utils import timezone

from followups.kinds import Kind, expires, key_for
from followups.models import Channel
from followups.planning import plan
from practice import dates, pdf
from practice.models import Membership

from .models import Receipt, ReceiptCounter, what_was_paid_for


def next_number(practice):
    """The practice's next receipt number, taken under a lock on its counter: numbers are
    given out one transaction at a time, and a transaction that rolls back gives its number
    back with everything else it did."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A receipt number is taken inside the transaction that uses it.")
    ReceiptCounter.objects.bulk_create([ReceiptCounter(practice=practice)], ignore_conflicts=True)
    counter = ReceiptCounter.objects.select_for_update().get(practice=practice)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def context(receipt, payment):
    practice = payment.practice
    items = list(
        payment.items.select_related(
            "appointment__service", "appointment__therapist", "appointment__fee"
        )
    )
    therapists = {item.appointment.therapist for item in items if item.appointment.therapist}
    if not therapists:
        owners = Membership.objects.filter(practice=practice, role=Membership.Role.OWNER)
        therapists = {m.user for m in owners.select_related("user")}
    sign = -1 if receipt.kind == Receipt.Kind.CREDIT_NOTE else 1
    if receipt.refund is not None:  # a refund: the money given back, and why
        items = []
    lines = [
        {
            "day": dates.day(item.appointment.start, practice),
            "service": what_was_paid_for(item.appointment),
            # A fee is no treatment: it has no service code.
            "code": item.appointment.service.service_code
            if item.appointment.service
            and item.appointment.status == item.appointment.Status.COMPLETED
            else "",
            "minutes": item.appointment.duration_minutes
            if item.appointment.status == item.appointment.Status.COMPLETED
            else "",
            "amount": item.amount * sign,
        }
        for item in items
    ]
    package = getattr(payment, "package", None)
    if package is not None and receipt.refund is None:  # a package bought
        until = f", until {dates.day(package.expires_on, practice)}" if package.expires_on else ""
        lines.append(
            {
                "day": dates.day(payment.paid_on, practice),
                "service": package.describe() + until,
                "minutes": "",
                "amount": receipt.amount,
            }
        )
    if receipt.refund is not None:
        lines.append(
            {
                "day": dates.day(receipt.refund.recorded_at, practice),
                "service": f"Refund: {receipt.refund.reason}",
                "minutes": "",
                "amount": receipt.amount,
            }
        )
    return {
        "practice": practice,
        "receipt": receipt,
        "payment": payment,
        "client": payment.client,
        "lines": lines,
        "therapists": sorted(therapists, key=str),
        "total": receipt.amount,
        "voucher": payment.voucher_use.voucher if hasattr(payment, "voucher_use") else None,
        "issued_on": dates.day(receipt.issued_at, practice),
        "born": dates.day(payment.client.date_of_birth, practice)
        if payment.client.date_of_birth
        else "",
        "paid_on": dates.day(payment.paid_on, practice),
        "cancels_on": dates.day(receipt.cancels.issued_at, practice) if receipt.cancels else "",
    }


def issue(payment, *, kind=Receipt.Kind.RECEIPT, cancels=None, refund=None, email=False):
    """Number, render and keep a receipt, or a credit note (cancelling a receipt, or for a
    refund of part of it), for `payment`, in the caller's transaction; plan its e-mail to
    the client when asked."""
    practice = payment.practice
    if refund is not None:
        amount = -refund.amount
    else:
        amount = -payment.amount if kind == Receipt.Kind.CREDIT_NOTE else payment.amount
    receipt = Receipt(
        practice=practice,
        payment=payment,
        kind=kind,
        cancels=cancels,
        refund=refund,
        number=next_number(practice),
        issued_at=timezone.now(),
        amount=amount,
    )
    data, _pages = pdf.render("pdf/receipt.html", context(receipt, payment))
    receipt.pdf, receipt.sha256 = data, hashlib.sha256(data).hexdigest()
    if email:
        message = Kind.CREDIT_NOTE if kind == Receipt.Kind.CREDIT_NOTE else Kind.RECEIPT
        receipt.followup = plan(
            practice,
            message,
            key=key_for(message, receipt=receipt.public_id),
            due_at=receipt.issued_at,
            expires_at=expires(message, receipt.issued_at),
            client=payment.client,
            channel=Channel.EMAIL,
        )
    receipt.save()
    return receipt


def attachment(followup):
    """The receipt's PDF as kept, for its e-mail."""
    receipt = Receipt.objects.get(followup=followup)
    return [(receipt.filename(), bytes(receipt.pdf), "application/pdf")]
