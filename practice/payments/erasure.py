"""The payments part of erasing a client (see clients/erasure.py): payments, fees, refunds
and receipts are accounting records the practice must keep, so erasing a client removes
nothing of them; they are purged with the rest once the retention period is over."""

from clients.erasure import Eraser
from followups.models import FollowUp

from .models import (
    Fee,
    Package,
    PackageUse,
    Payment,
    PaymentItem,
    Receipt,
    Refund,
    VoucherUse,
)


def purge(client):
    payments = Payment.objects.filter(client=client)
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
    ),
    purge=purge,
    purge_order=5,  # before complaints (refunds refer to them) and sessions
    triggers=("payments.Receipt:receipt_not_deleted",),
)
