import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scope

from clients.models import Client
from complaints.models import Complaint
from practice import audit, keyset, pdf
from practice.tenancy import (
    get_for_practice,
    object_from_query,
    owner_required,
    practice_required,
)
from sessions import booking_views
from sessions.models import Appointment

from . import online, reminders, services, statements
from .forms import (
    CancelReceiptForm,
    PackageForm,
    PaymentForm,
    RefundForm,
    VoucherForm,
    WaiveFeeForm,
)
from .models import Fee, Package, Payment, PaymentItem, Receipt, SavedCard, Voucher

RECENT = 25  # payments a page
OWED_SHOWN = 25  # those owing longest; the rest are counted
CLIENT_NAME = ("client__public_id", "client__first_name", "client__last_name")


LISTED = ("payment_id", "public_id", "number", "kind")  # of each payment's receipts


@practice_required
def payment_list(request):
    """What is owed across the practice, and the payments newest first, a page at a time
    by key (?after= the public id of the last payment shown: read from the index however
    far back it is)."""
    after = object_from_query(request, Payment.objects.only("paid_on"), "after")
    page = keyset.page(
        Payment.objects.filter(practice=request.practice)
        .select_related("client")
        .only("public_id", "amount", "method", "paid_on", "voided_at", *CLIENT_NAME)
        .prefetch_related(Prefetch("receipts", queryset=Receipt.objects.only(*LISTED))),
        ("-paid_on", "-pk"),
        size=RECENT,
        after=after,
    )
    owed = services.owed_by_clients(request.practice) if after is None else []
    context = {
        "earlier": page.last.public_id if page.has_next else "",
        "first_page": after is None,
        "owed": owed[:OWED_SHOWN],
        "owed_count": len(owed),
        "owed_more": owed[OWED_SHOWN:],
        "owed_total": sum((row["owed"] for row in owed), services.ZERO),
        "owed_more_total": sum((row["owed"] for row in owed[OWED_SHOWN:]), services.ZERO),
        "payments": page.rows,
    }
    return render(request, "payments/list.html", context)


@practice_required
def client_payments(request, public_id):
    """A client's owed sessions, with the form that records a payment, and what they paid."""
    client = get_for_practice(request, Client, public_id=public_id, erased_at=None)
    sessions = services.owed_sessions(client)
    form = PaymentForm(
        request.POST or None, sessions=sessions, client=client, practice=request.practice
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["voucher"]:
                _payment, receipt = services.pay_with_voucher(
                    client,
                    by=request.user,
                    code=data["voucher"],
                    amounts=data["amounts"],
                    email=data["email"],
                )
            else:
                _payment, receipt = services.record_payment(
                    client,
                    by=request.user,
                    amounts=data["amounts"],
                    method=data["method"],
                    paid_on=data["paid_on"],
                    tip=data.get("tip") or services.ZERO,
                    email=data["email"],
                )
        except ValidationError as error:
            form.add_error("voucher" if data["voucher"] else None, error)
        else:
            sent = "; it is on its way to the client by e-mail" if receipt.followup_id else ""
            messages.success(request, f"Payment recorded. Receipt {receipt.number} is ready{sent}.")
            return redirect("payments:client", public_id=client.public_id)
    items = PaymentItem.objects.select_related("appointment__service")
    payments = (
        client.payments.prefetch_related(Prefetch("items", queryset=items), "receipts", "refunds")
        .order_by("-paid_on", "-pk")
        .all()
    )
    packages = services.packages_of(client)
    from_packages = [
        (session, package)
        for session in sessions
        if session.status == Appointment.Status.COMPLETED and not session.paid
        for package in packages
        if services.usable_for(package, session)
    ]
    card = None
    if online.account_for(request.practice) is not None:
        card = SavedCard.objects.filter(client=client).first()
    context = {
        "card": card,
        "client": client,
        "form": form,
        "packages": packages,
        "from_packages": from_packages,
        "sessions": sessions,
        "payments": payments,
        "owed_total": sum((s.owed for s in sessions), services.ZERO),
    }
    return render(request, "payments/client.html", context)


@require_POST
@practice_required
def owed_reminder(request, public_id):
    """Send the client a reminder of what they owe (one a day), through the outbox."""
    client = get_for_practice(request, Client, public_id=public_id, erased_at=None)
    try:
        followup = reminders.remind(client, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if followup.status == followup.Status.SKIPPED:
            messages.error(request, f"The reminder cannot go: {followup.skip_reason}.")
        else:
            how = followup.get_channel_display().lower()
            messages.success(
                request,
                f"A reminder goes to {client.first_name} by {how}: you will find it in "
                "Follow-ups, and it waits for the morning in quiet hours.",
            )
    return redirect("payments:client", public_id=client.public_id)


@practice_required
def receipt_pdf(request, public_id):
    receipt = get_for_practice(
        request, Receipt.objects.select_related("payment__client"), public_id=public_id
    )
    audit.record(
        request,
        audit.Action.EXPORT,
        f"{receipt.get_kind_display().lower()} {receipt.number}",
        receipt.payment.client,
    )
    return pdf.response(bytes(receipt.pdf), receipt.filename())


@owner_required
def receipt_cancel(request, public_id):
    """Cancel a receipt issued by mistake, on a page of its own: a credit note."""
    receipt = get_for_practice(
        request,
        Receipt.objects.select_related("payment__client"),
        public_id=public_id,
        kind=Receipt.Kind.RECEIPT,
    )
    client = receipt.payment.client
    form = CancelReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            credit = services.cancel_receipt(
                receipt, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Receipt {receipt.number} is cancelled by credit note {credit.number}. "
                "Its sessions are owed again.",
            )
            return redirect(reverse("payments:client", args=[client.public_id]))
    context = {"receipt": receipt, "client": client, "form": form}
    return render(request, "payments/cancel.html", context)


@booking_views.rate_limited
def personal_receipt(request, token, public_id):
    """A receipt of the client's own, from their personal link."""
    link = booking_views.link_or_404(token)
    with scope(practice=link.practice):
        receipt = get_object_or_404(
            Receipt, public_id=public_id, payment__client=link.client, practice=link.practice
        )
        return pdf.response(bytes(receipt.pdf), receipt.filename())


@owner_required
def fee_waive(request, public_id):
    """Let a fee go, with the reason, on a page of its own."""
    fee = get_for_practice(
        request,
        Fee.objects.select_related("appointment__client"),
        public_id=public_id,
        waived_at=None,
    )
    client = fee.appointment.client
    form = WaiveFeeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.waive_fee(fee, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The {fee.get_kind_display().lower()} is waived.")
            return redirect("payments:client", public_id=client.public_id)
    return render(request, "payments/waive.html", {"fee": fee, "client": client, "form": form})


@owner_required
def client_refund(request, public_id):
    """Give money back to a client, from one of their payments: for a complaint's agreed
    refund (?complaint=...), or otherwise with a reason."""
    client = get_for_practice(request, Client, public_id=public_id, erased_at=None)
    complaint = object_from_query(request, Complaint, "complaint")
    if complaint is not None and complaint.client_id != client.pk:
        raise Http404("No such complaint for this client.")
    payments = [
        (payment, services.refundable(payment))
        for payment in client.payments.filter(voided_at=None).order_by("-paid_on", "-pk")
    ]
    payments = [(payment, left) for payment, left in payments if left > 0]
    initial = {}
    if complaint is not None:
        initial["reason"] = f"Agreed for the complaint of {complaint.received_at:%-d %b %Y}"
        if complaint.offer_value:
            initial["amount"] = complaint.offer_value
    form = RefundForm(
        request.POST or None, initial=initial, payments=payments, practice=request.practice
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _refund, credit = online.refund(
                data["payment_object"],
                by=request.user,
                amount=data["amount"],
                reason=data["reason"],
                complaint=complaint,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Refund recorded, with credit note {credit.number}.")
            if complaint is not None:
                return redirect("complaints:detail", public_id=complaint.public_id)
            return redirect("payments:client", public_id=client.public_id)
    context = {"client": client, "complaint": complaint, "form": form, "payments": payments}
    return render(request, "payments/refund.html", context)


@practice_required
def client_statement(request, public_id):
    """What a client paid (and was given back) in a calendar year, as a PDF: for a claim or
    a tax return. ?year=2026; this year without one."""
    client = get_for_practice(request, Client, public_id=public_id, erased_at=None)
    year = request.GET.get("year", "")
    if not year:
        year = str(timezone.localdate().year)
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        raise Http404("No such year.")
    data = statements.render(client, int(year))
    audit.record(request, audit.Action.EXPORT, f"statement of payments for {year}", client)
    return pdf.response(data, f"statement-{year}.pdf")


@practice_required
def package_sell(request, public_id):
    """Sell a client sessions paid ahead, on a page of its own."""
    client = get_for_practice(request, Client, public_id=public_id, erased_at=None)
    form = PackageForm(request.POST or None, client=client, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        package, receipt = services.sell_package(
            client,
            by=request.user,
            service=data["service"],
            sessions=data["sessions"],
            price=data["price"],
            method=data["method"],
            expires_on=data["expires_on"],
            email=data["email"],
        )
        messages.success(request, f"{package.describe()} sold. Receipt {receipt.number} is ready.")
        return redirect("payments:client", public_id=client.public_id)
    return render(request, "payments/package.html", {"client": client, "form": form})


@require_POST
@practice_required
def package_use(request, public_id):
    """Take one owed session from a package (a button beside the session)."""
    package = get_for_practice(
        request, Package.objects.select_related("client"), public_id=public_id
    )
    session = session_from_post(request, package.client)
    try:
        if session is None:
            raise ValidationError("Choose one of this client's sessions.")
        left = services.use_package(package, session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Taken from the package: {left} left.")
    return redirect("payments:client", public_id=package.client.public_id)


def session_from_post(request, client):
    """The client's session named in the form's `session`, or None."""
    try:
        public_id = uuid.UUID(request.POST.get("session", ""))
    except ValueError:
        return None
    return Appointment.objects.filter(
        public_id=public_id, client=client, practice=request.practice
    ).first()


@practice_required
def voucher_list(request):
    """Every gift card and offer code, with what is left of each."""
    vouchers = services.with_balance(
        Voucher.objects.filter(practice=request.practice).select_related("service")
    ).order_by("-created_at", "code")[:200]
    today = timezone.localdate()
    rows = [
        (voucher, services.voucher_left(voucher), services.voucher_problem(voucher, today))
        for voucher in vouchers
    ]
    return render(request, "payments/vouchers.html", {"rows": rows})


@owner_required
def voucher_create(request):
    form = VoucherForm(request.POST or None, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = services.make_vouchers(
            request.practice,
            count=data["count"],
            amount=data["amount"],
            service=data["service"],
            uses=data["uses"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            label=data["label"],
            bought_by=data["bought_by"],
            given_to=data["given_to"],
        )
        codes = ", ".join(voucher.code for voucher in made[:5])
        more = f" and {len(made) - 5} more" if len(made) > 5 else ""
        messages.success(
            request, f"Made {len(made)} code{'s' if len(made) > 1 else ''}: {codes}{more}."
        )
        return redirect("payments:vouchers")
    return render(request, "payments/voucher_form.html", {"form": form})
