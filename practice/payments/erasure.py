"""The payments part of erasing a client (see clients/erasure.py): payments, fees, refunds
and receipts are accounting records the practice must keep, so erasing a client removes
nothing of them; they are purged with the rest once the retention period is over. A card
saved for fees goes at once (detached at Stripe too), and the client's Checkouts with it:
they hold no more than what the payments they made keep."""

from clients.erasure import Eraser
from followups.models import FollowUp

from .models import (
    Checkout,
    Fee,
    Package,
    PackageUse,
    Payment,
    PaymentItem,
    Receipt,
    Refund,
    SavedCard,
    VoucherUse,
)
from .online import remove_card


def erase(client):
    if SavedCard.objects.filter(client=client).exists():
        remove_card(client)
    Checkout.objects.filter(client=client).update(client=None)


def purge(client):
    payments = Payment.objects.filter(client=client)
    Checkout.objects.filter(payment__in=payments).delete()
    receipts = Receipt.objects.filter(payment__in=payments)
    FollowUp.objects.filter(pk__in=receipts.values("followup")).delete()  # their e-mails
    receipts.filter(kind=Receipt.Kind.CREDIT_NOTE).delete()  # they refer to receipts
    receipts.delete()
    Refund.objects.filter(payment__in=payments).delete()
    VoucherUse.objects.filter(payment__in=payments).delete()  # the voucher stays: not theirs
    PackageUse.objects.filter(package__client=client).delete()
    Package.objects.filter(client=client).delete()
    PaymentItem.objects.filter(payment__in=payments).delete()
    payments.delete()
    Fee.objects.filter(appointment__client=client).delete()


ERASER = Eraser(
    name="payments",
    models=(
        "payments.Payment",
        "payments.PaymentItem",
        "payments.Fee",
        "payments.Refund",
        "payments.Package",
        "payments.PackageUse",
        "payments.VoucherUse",
        "payments.Receipt",
        "payments.SavedCard",
        "payments.Checkout",
    ),
    erase=erase,
    purge=purge,
    purge_order=5,  # before complaints (refunds refer to them) and sessions
    triggers=("payments.Receipt:receipt_not_deleted",),
)
