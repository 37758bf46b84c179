"""Recording payments against sessions, what is owed, and correcting a receipt."""

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clients.timeline import Entry
from practice import audit
from practice.models import Practice
from sessions.models import Appointment

from . import receipts
from .models import (
    CODE_LETTERS,
    Fee,
    Package,
    PackageUse,
    Payment,
    PaymentItem,
    Receipt,
    Refund,
    Voucher,
    VoucherUse,
    what_was_paid_for,
)

ZERO = Decimal("0.00")
YEAR = datetime.timedelta(days=365)
# What can be owed for: a session held (its price) and marked "not paid yet" by the
# therapist, or missed or cancelled late (the policy's fee, until it is waived).
OWED_STATUSES = (
    Appointment.Status.COMPLETED,
    Appointment.Status.NO_SHOW,
    Appointment.Status.LATE_CANCELLATION,
)
FEE_KINDS = {
    Appointment.Status.NO_SHOW: Fee.Kind.NO_SHOW,
    Appointment.Status.LATE_CANCELLATION: Fee.Kind.LATE_CANCELLATION,
}


def paid_for(appointments):
    """`appointments` with `due` (the price of a session held, the fee not waived of one
    missed), `paid` (what payments not voided put towards it) and `owed`."""
    money = DecimalField(max_digits=10, decimal_places=2)
    paid = (
        PaymentItem.objects.filter(appointment=OuterRef("pk"), payment__voided_at=None)
        .order_by()
        .values("appointment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    fee = Fee.objects.filter(appointment=OuterRef("pk"), waived_at=None).values("amount")
    return appointments.annotate(
        paid=Coalesce(Subquery(paid, output_field=money), Value(ZERO, output_field=money)),
        due=Case(
            When(status=Appointment.Status.COMPLETED, then=F("price")),
            default=Coalesce(Subquery(fee, output_field=money), Value(ZERO, output_field=money)),
            output_field=money,
        ),
    ).annotate(owed=F("due") - F("paid"))


def money_paid(appointments):
    """`appointments` with `money`: what was paid for each as recorded here (its payments
    not voided, or its share of the package it was taken from), None where nothing was
    recorded for it (not paid yet, or paid before payments were recorded here)."""
    money = DecimalField(max_digits=10, decimal_places=2)
    paid = (
        PaymentItem.objects.filter(appointment=OuterRef("pk"), payment__voided_at=None)
        .order_by()
        .values("appointment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    share = PackageUse.objects.filter(
        appointment=OuterRef("pk"), package__payment__voided_at=None
    ).values(share=F("package__payment__amount") / F("package__sessions"))
    return appointments.annotate(
        money=Coalesce(Subquery(paid, output_field=money), Subquery(share, output_field=money))
    )


def charge_fee(sender, appointment, old_status, by=None, **kwargs):
    """A session missed or cancelled late: the fee the practice's policy sets is owed
    (nothing where it sets none). Joined to sessions' appointment_status_changed."""
    kind = FEE_KINDS.get(appointment.status)
    amount = getattr(appointment.practice, f"{kind}_fee", None) if kind else None
    if not amount:
        return None
    fee, created = Fee.objects.get_or_create(
        appointment=appointment,
        defaults={
            "practice": appointment.practice,
            "kind": kind,
            "amount": amount,
        },
    )
    if created:
        Appointment.objects.filter(pk=appointment.pk).update(unpaid=True)
    return fee


@transaction.atomic
def waive_fee(fee, *, by, reason):
    """Let a fee go, with the reason (a first miss, an emergency): it is no longer owed."""
    if not reason.strip():
        raise ValidationError("Say why the fee is waived.")
    if fee.waived_at:
        raise ValidationError("This fee has already been waived.")
    paid = paid_for(Appointment.objects.filter(pk=fee.appointment_id)).get().paid
    if paid > 0:
        raise ValidationError("Part of this fee is paid: cancel that receipt first.")
    Fee.objects.filter(pk=fee.pk).update(
        waived_at=timezone.now(), waived_by=by, waive_reason=reason.strip()[:300]
    )
    Appointment.objects.filter(pk=fee.appointment_id).update(unpaid=False)
    audit.note(
        fee.practice,
        by,
        audit.Action.CHANGE,
        f"waived a {fee.get_kind_display().lower()} of {fee.amount}",
        fee.appointment.client,
    )


def limit(session):
    """What can be paid now for a session annotated by paid_for: what is owed for one held
    or missed, the price less what was paid ahead for one still to come."""
    if session.status == Appointment.Status.BOOKED:
        return session.price - session.paid
    return session.owed


def owed_sessions(client):
    """The client's sessions still (partly) to pay, oldest first."""
    sessions = client.appointments.filter(status__in=OWED_STATUSES, unpaid=True)
    sessions = paid_for(sessions.select_related("service", "fee")).order_by("start")
    owed = [session for session in sessions if session.owed > 0]
    for session in owed:
        session.what = what_was_paid_for(session)
    return owed


def owed_session(client, appointment_id):
    """The client's session `appointment_id` as owed_sessions gives it, or None when
    nothing is owed for it."""
    return next((s for s in owed_sessions(client) if s.pk == appointment_id), None)


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
def record_payment(
    client,
    *,
    by,
    amounts,
    method,
    paid_on=None,
    tip=ZERO,
    email=False,
    voucher=None,
    stripe_payment_intent="",
    total=None,
):
    """Record money taken from `client`: `amounts` maps each session it pays for to the
    part of it paid now (for a session still to come, paid ahead, up to its price). Issues
    the receipt (and e-mails it when asked); a session paid in full is no longer owed.
    Raises ValidationError when a part is more than is owed. A payment taken online may
    have taken more (`total`) than is still owed when it is reported: the rest is kept on
    the payment, to be given back."""
    if not amounts and total is None:
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
        owed = limit(locked[session.pk]) if session.pk in locked else ZERO
        if amount <= 0 or amount > owed:
            raise ValidationError(
                f"{amount} is more than the {owed} still owed for the session of "
                f"{timezone.localtime(session.start):%-d %b %Y}."
            )
    payment = Payment.objects.create(
        practice=client.practice,
        client=client,
        amount=max(total or ZERO, sum(amounts.values(), ZERO)),
        tip=tip,
        method=method,
        paid_on=paid_on or timezone.localdate(),
        recorded_by=by,
        stripe_payment_intent=stripe_payment_intent,
    )
    PaymentItem.objects.bulk_create(
        PaymentItem(practice=client.practice, payment=payment, appointment=session, amount=amount)
        for session, amount in amounts.items()
    )
    settled = [pk for pk, session in locked.items() if amounts.get(session) == session.owed]
    Appointment.objects.filter(pk__in=settled).update(unpaid=False)
    if voucher is not None:
        VoucherUse.objects.create(
            practice=client.practice, voucher=voucher, payment=payment, amount=payment.amount
        )
    receipt = receipts.issue(payment, email=email)
    audit.note(
        client.practice,
        by,
        audit.Action.CHANGE,
        f"recorded a payment of {payment.amount} ({payment.get_method_display()}), "
        f"receipt {receipt.number}",
        client,
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
    if locked.refunds.exists():
        raise ValidationError("Part of this payment was refunded: it can no longer be cancelled.")
    locked.voided_at, locked.void_reason = timezone.now(), reason.strip()[:300]
    locked.save(update_fields=["voided_at", "void_reason"])
    Appointment.objects.filter(payment_items__payment=locked).update(unpaid=True)
    # The client hears of it where they had the receipt by e-mail.
    credit = receipts.issue(
        locked, kind=Receipt.Kind.CREDIT_NOTE, cancels=receipt, email=bool(receipt.followup_id)
    )
    audit.note(
        locked.practice,
        by,
        audit.Action.CHANGE,
        f"cancelled receipt {receipt.number} with credit note {credit.number}",
        locked.client,
    )
    return credit


def personal_packages(client, token):
    """The client's packages, on their personal link's page: what is left (one query)."""
    items = []
    for package in packages_of(client):
        until = f", until {package.expires_on:%-d %b %Y}" if package.expires_on else ""
        state = "expired" if package.expired else f"{package.left} of {package.sessions} left"
        items.append((f"{package.describe()}: {state}{until}", ""))
    return {"title": "Your packages", "items": items}


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


def normal_code(text):
    """ "abcd 2345", "ABCD-2345" and "abcd2345" are one code."""
    letters = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else letters


def make_vouchers(practice, *, count, **fields):
    """`count` vouchers alike but for their codes (a promotion's batch, or one gift card)."""
    taken = set(Voucher.objects.filter(practice=practice).values_list("code", flat=True))
    made = []
    while len(made) < count:
        letters = "".join(secrets.choice(CODE_LETTERS) for _ in range(8))
        code = normal_code(letters)
        if code in taken:
            continue
        taken.add(code)
        made.append(Voucher(practice=practice, code=code, **fields))
    return Voucher.objects.bulk_create(made)


def with_balance(vouchers):
    """`vouchers` with `used` (times) and `spent` (amount) from their uses."""
    return vouchers.annotate(
        used=Count("redemptions"),
        spent=Coalesce(Sum("redemptions__amount"), Value(ZERO)),
    )


def voucher_left(voucher):
    """What is left of a voucher annotated by with_balance: an amount, or uses."""
    if voucher.service_id:
        return voucher.uses - voucher.used
    return (
        min(voucher.amount - voucher.spent, voucher.amount) if voucher.used < voucher.uses else ZERO
    )


def voucher_problem(voucher, today):
    if voucher.valid_from > today:
        return f"This code can be used from {voucher.valid_from:%-d %b %Y}."
    if voucher.valid_until and voucher.valid_until < today:
        return f"This code ran out on {voucher.valid_until:%-d %b %Y}."
    if voucher.used >= voucher.uses or voucher_left(voucher) <= 0:
        return "This code has been used up."
    return ""


class BookingCodes:
    """What the booking page asks of codes (joined to sessions.codes)."""

    @staticmethod
    def accepted(practice):
        return Voucher.objects.filter(practice=practice).exists()

    @staticmethod
    def check(practice, code):
        written = normal_code(code)
        found = with_balance(Voucher.objects.filter(practice=practice, code=written)).first()
        if found is None:
            return written, "We do not know this code: check it, or leave it empty."
        return written, voucher_problem(found, timezone.localdate())


@transaction.atomic
def pay_with_voucher(client, *, by, code, amounts, email=False):
    """Pay `amounts` with a voucher's code: an amount voucher up to its balance, a service
    voucher for whole sessions of its service. Raises ValidationError with what is wrong."""
    found = with_balance(
        Voucher.objects.filter(practice=client.practice, code=normal_code(code))
    ).first()
    if found is None:
        raise ValidationError("No voucher has this code: check it with the client.")
    Voucher.objects.select_for_update().filter(pk=found.pk).get()  # one use at a time
    found = with_balance(Voucher.objects.filter(pk=found.pk)).get()
    if problem := voucher_problem(found, timezone.localdate()):
        raise ValidationError(problem)
    total = sum(amounts.values(), ZERO)
    if found.service_id:
        owed = {s.pk: s for s in owed_sessions(client)}
        if any(s.service_id != found.service_id for s in amounts) or len(amounts) > 1:
            raise ValidationError(f"This code pays for one session of {found.service.name}.")
        [(session, amount)] = amounts.items()
        if session.pk not in owed or amount != owed[session.pk].owed:
            raise ValidationError("This code pays for the whole session: enter what is owed.")
    elif total > voucher_left(found):
        left = voucher_left(found)
        raise ValidationError(f"This code has {left} left: enter at most that, and the rest apart.")
    return record_payment(
        client, by=by, amounts=amounts, method=Payment.Method.VOUCHER, email=email, voucher=found
    )


@transaction.atomic
def sell_package(client, *, by, service, sessions, price, method, expires_on=None, email=False):
    """Sessions paid ahead: the payment, the package and its receipt."""
    payment = Payment.objects.create(
        practice=client.practice,
        client=client,
        amount=price,
        method=method,
        recorded_by=by,
    )
    package = Package.objects.create(
        practice=client.practice,
        client=client,
        service=service,
        sessions=sessions,
        expires_on=expires_on,
        payment=payment,
    )
    receipt = receipts.issue(payment, email=email)
    audit.note(
        client.practice,
        by,
        audit.Action.CHANGE,
        f"sold a package of {sessions} for {price}, receipt {receipt.number}",
        client,
    )
    return package, receipt


def packages_of(client, today=None):
    """The client's packages with `left` (sessions still to take) and `usable` (left, not
    expired, its payment not cancelled), newest first (one query)."""
    today = today or timezone.localdate()
    packages = (
        client.packages.select_related("service", "payment")
        .annotate(taken=Count("uses"))
        .order_by("-created_at")
    )
    for package in packages:
        package.left = package.sessions - package.taken
        package.expired = bool(package.expires_on and package.expires_on < today)
        package.usable = package.left > 0 and not package.expired and not package.payment.voided_at
    return list(packages)


def usable_for(package, session):
    return package.usable and package.service_id in (None, session.service_id)


@transaction.atomic
def use_package(package, session, *, by):
    """Take `session` from `package`: it is no longer owed. Refused when the package is
    used up, expired or for another service, or when part of the session is paid."""
    locked = Package.objects.select_for_update().get(pk=package.pk)
    [current] = [p for p in packages_of(locked.client) if p.pk == locked.pk]
    if not usable_for(current, session):
        raise ValidationError("This package cannot pay for this session.")
    owed = owed_session(locked.client, session.pk)
    if owed is None or owed.status != Appointment.Status.COMPLETED or owed.paid > 0:
        raise ValidationError("Only a session held and not paid at all can come from a package.")
    PackageUse.objects.create(practice=locked.practice, package=locked, appointment=session, by=by)
    Appointment.objects.filter(pk=session.pk).update(unpaid=False)
    audit.note(
        locked.practice,
        by,
        audit.Action.CHANGE,
        f"took the session of {timezone.localtime(session.start):%-d %b %Y} from a package",
        locked.client,
    )
    return current.left - 1


def takings(practice, now):
    """Money the practice recorded over the last 12 months: paid, given back, the two
    together; and what is owed now (two queries)."""
    money = DecimalField(max_digits=12, decimal_places=2)

    def total(queryset):
        sums = queryset.order_by().values("practice").annotate(total=Sum("amount"))
        return Coalesce(Subquery(sums.values("total"), output_field=money), Value(ZERO))

    since = timezone.localdate(now) - YEAR
    paid = Payment.objects.filter(practice=practice, voided_at=None, paid_on__gt=since)
    back = Refund.objects.filter(practice=practice, recorded_at__gt=now - YEAR)
    row = (
        Practice.objects.filter(pk=practice.pk)
        .annotate(paid=total(paid), back=total(back))
        .values("paid", "back")
        .get()
    )
    owed = sum((row["owed"] for row in owed_by_clients(practice)), ZERO)
    return {**row, "net": row["paid"] - row["back"], "owed": owed}


def refundable(payment):
    """What can still be given back from `payment`."""
    if payment.voided_at:
        return ZERO
    back = payment.refunds.aggregate(total=Sum("amount"))["total"] or ZERO
    return payment.amount - back


@transaction.atomic
def refund(payment, *, by, amount, reason, complaint=None):
    """Give back part or all of a payment, with the reason (and the complaint it settles):
    a credit note records it for the client. Never more than the payment took less what
    was given back already (checked under a lock on the payment)."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    limit = refundable(locked)
    if amount <= 0 or amount > limit:
        raise ValidationError(f"At most {limit} can be given back from this payment.")
    if complaint is not None and complaint.client_id != locked.client_id:
        raise ValidationError("The complaint is another client's.")
    given = Refund.objects.create(
        practice=locked.practice,
        payment=locked,
        amount=amount,
        reason=reason.strip()[:300],
        complaint=complaint,
        recorded_by=by,
    )
    original = locked.receipts.filter(kind=Receipt.Kind.RECEIPT).first()
    credit = receipts.issue(  # e-mailed where the client may be (the outbox checks)
        locked,
        kind=Receipt.Kind.CREDIT_NOTE,
        cancels=original,
        refund=given,
        email=bool(locked.client.email),
    )
    audit.note(
        locked.practice,
        by,
        audit.Action.CHANGE,
        f"refunded {amount} of receipt {original.number if original else '-'}"
        f" with credit note {credit.number}",
        locked.client,
    )
    return given, credit


def timeline_entries(client, limit=None):
    """Payments on the client's timeline."""
    rows = client.payments.order_by("-paid_on", "-pk").values_list(
        "recorded_at", "amount", "method", "voided_at", "practice__currency"
    )[:limit]
    methods = dict(Payment.Method.choices)
    return [
        Entry(
            when=recorded_at,
            kind="payment",
            title=f"Payment {amount} {currency}",
            detail=methods[method] + (" · cancelled" if voided_at else ""),
        )
        for recorded_at, amount, method, voided_at, currency in rows
    ]
