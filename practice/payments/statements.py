"""A client's statement for a year: every payment and refund, and what they come to."""

from django.db.models import Sum

from practice import dates, pdf

from .models import Payment, Refund, what_was_paid_for
from .services import ZERO


def lines(client, year):
    payments = (
        Payment.objects.filter(client=client, paid_on__year=year, voided_at=None)
        .select_related("package__service")
        .prefetch_related("items__appointment__service", "items__appointment__fee", "receipts")
        .order_by("paid_on", "pk")
    )
    practice = client.practice
    rows = []
    for payment in payments:
        receipt = next((r for r in payment.receipts.all() if r.kind == "receipt"), None)
        rows.append(
            {
                "day": dates.day(payment.paid_on, practice),
                "what": "; ".join(what_was_paid_for(i.appointment) for i in payment.items.all())
                or (payment.package.describe() if hasattr(payment, "package") else ""),
                "receipt": receipt.number if receipt else "",
                "method": payment.get_method_display(),
                "amount": payment.amount,
            }
        )
    refunds = Refund.objects.filter(payment__client=client, recorded_at__year=year)
    for refund in refunds.select_related("credit_note", "payment").order_by("recorded_at"):
        rows.append(
            {
                "day": dates.day(refund.recorded_at, practice),
                "what": f"Refund: {refund.reason}",
                "receipt": refund.credit_note.number,
                "method": refund.payment.get_method_display(),
                "amount": -refund.amount,
            }
        )
    paid = payments.aggregate(total=Sum("amount"))["total"] or ZERO
    back = refunds.aggregate(total=Sum("amount"))["total"] or ZERO
    return rows, paid, back


def render(client, year):
    rows, paid, back = lines(client, year)
    context = {
        "practice": client.practice,
        "client": client,
        "year": year,
        "rows": rows,
        "paid": paid,
        "back": back,
        "net": paid - back,
    }
    data, _pages = pdf.render("pdf/statement.html", context)
    return data
