"""Payments, what each paid for, and the receipts numbered without gaps per practice.

A receipt is an accounting record: its number is taken from the practice's counter in the
transaction that issues it (a rolled-back transaction gives its number back), it is
rendered once and kept byte for byte with its SHA-256, and the database refuses to change
or delete it (PostgreSQL triggers). A mistake is corrected by a credit note, itself a
numbered receipt that cancels the first, and a new payment.
"""

import hashlib
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from clients.models import Client
from practice.evidence import no_truncate
from practice.tenant_model import TenantModel
from sessions.models import Appointment

CENTS = Decimal("0.01")


class Payment(TenantModel):
    class Method(models.TextChoices):
        CASH = "cash", "Cash"
        CARD = "card", "Card, on the practice's terminal"
        TRANSFER = "transfer", "Bank transfer"
        VOUCHER = "voucher", "Gift card or voucher"
        PACKAGE = "package", "Package credit"
        ONLINE = "online", "Online"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="payments")
    # For the service: what the receipt shows. A tip is kept apart and never on a receipt.
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(CENTS)]
    )
    tip = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    method = models.CharField(max_length=10, choices=Method.choices)
    paid_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Set when its receipt is cancelled by a credit note: the money was not taken after all.
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    # Taken online: Stripe's PaymentIntent, the same however many events report it.
    stripe_payment_intent = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["-paid_on", "-pk"]
        # Newest first, a page at a time from the last row shown (Payments).
        indexes = [
            models.Index(fields=["practice", "-paid_on", "-id"], name="payment_newest_first")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_payment_intent"],
                condition=~models.Q(stripe_payment_intent=""),
                name="one_payment_per_stripe_intent",
            )
        ]

    def __str__(self):
        return f"{self.amount} from {self.client} on {self.paid_on}"


class PaymentItem(TenantModel):
    """The part of a payment that paid for one session."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="items")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="payment_items"
    )
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(CENTS)]
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "appointment"], name="one_item_per_session")
        ]


CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing read two ways (0/O, 1/I)


class Voucher(TenantModel):
    """A gift card or an offer's code: worth an amount (its balance falls with each use) or
    one session of a service; used once or a set number of times; valid between two days.
    A promotion is a batch of codes with one label."""

    code = models.CharField(max_length=12)
    amount = models.DecimalField(
        "worth",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENTS)],
    )
    service = models.ForeignKey(
        "treatment_sessions.Service", null=True, blank=True, on_delete=models.PROTECT
    )
    uses = models.PositiveSmallIntegerField("times it can be used", default=1)
    valid_from = models.DateField(default=timezone.localdate)
    valid_until = models.DateField(null=True, blank=True)
    label = models.CharField("offer or occasion", max_length=120, blank=True)
    bought_by = models.CharField(max_length=120, blank=True)
    given_to = models.CharField("for", max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "code"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "code"], name="voucher_code_once"),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=False) ^ models.Q(service__isnull=False),
                name="voucher_worth_an_amount_or_a_service",
            ),
        ]

    def __str__(self):
        return self.code

    def describe(self):
        return self.service.name if self.service_id else f"{self.amount}"


class VoucherUse(TenantModel):
    """A voucher used towards a payment, and how much of it."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="voucher_use")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["used_at"]

    def __str__(self):
        return f"{self.voucher} for {self.amount}"


class Package(TenantModel):
    """Sessions paid ahead: `sessions` of a service (or of any) until an expiry, bought with
    one payment (and its receipt); each session taken from it lowers what is left."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="packages")
    service = models.ForeignKey(
        "treatment_sessions.Service", null=True, blank=True, on_delete=models.SET_NULL
    )
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    expires_on = models.DateField(null=True, blank=True)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="package")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.describe()

    def describe(self):
        what = self.service.name if self.service else "any service"
        return f"Package of {self.sessions} sessions: {what}"


class PackageUse(TenantModel):
    """One session taken from a package: it is not owed."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="uses")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="package_use"
    )
    used_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["used_at"]

    def __str__(self):
        return f"{self.package} for {self.appointment}"


class Fee(TenantModel):
    """What the practice's policy charges for a missed session or a late cancellation, owed
    like a session until it is paid or waived."""

    class Kind(models.TextChoices):
        NO_SHOW = "no_show", "Fee for a missed session"
        LATE_CANCELLATION = "late_cancellation", "Fee for a late cancellation"

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="fee")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(CENTS)]
    )
    created_at = models.DateTimeField(default=timezone.now)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    waive_reason = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return f"{self.get_kind_display()}: {self.amount}"


class Refund(TenantModel):
    """Money given back from a payment: part or all of it, with the reason, and the complaint
    it settles where it does. It never exceeds what the payment took less earlier refunds;
    its credit note records it for the client."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(CENTS)]
    )
    reason = models.CharField(max_length=300)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    stripe_refund = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"Refund of {self.amount}"


def what_was_paid_for(appointment):
    """ "Deep tissue, 60 minutes", or "Fee for a missed session": a line on a receipt."""
    if appointment.status != Appointment.Status.COMPLETED:
        fee = getattr(appointment, "fee", None)
        if fee is not None:
            return fee.get_kind_display()
    name = appointment.service.name if appointment.service else "Massage"
    return f"{name}, paid ahead" if appointment.status == Appointment.Status.BOOKED else name


class ReceiptCounter(models.Model):
    """The last receipt number a practice issued. Its row is locked by the transaction that
    issues the next, so numbers follow one another without gaps whatever runs at once."""

    practice = models.OneToOneField(
        "practice.Practice", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Last receipt {self.last}"


class Receipt(TenantModel):
    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        CREDIT_NOTE = "credit_note", "Credit note"

    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RECEIPT)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="receipts")
    cancels = models.ForeignKey(  # the receipt a credit note cancels (in part: a refund)
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    amount = models.DecimalField(max_digits=10, decimal_places=2)  # negative on a credit note
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    followup = models.OneToOneField(
        "followups.FollowUp", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="receipt_number_once")
        ]
        triggers = [
            # Below the app too (PostgreSQL): a receipt is never changed or deleted.
            # (Only the link to its e-mail's outbox row may change, or go with the row.)
            pgtrigger.ReadOnly(name="receipt_not_changed", exclude=["followup"]),
            pgtrigger.Protect(name="receipt_not_deleted", operation=pgtrigger.Delete),
            no_truncate("receipts_not_emptied"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def matches(self):
        return hashlib.sha256(bytes(self.pdf)).hexdigest() == self.sha256

    def filename(self):
        word = "credit-note" if self.kind == self.Kind.CREDIT_NOTE else "receipt"
        return f"{word}-{self.number}.pdf"


class StripeAccount(TenantModel):
    """The practice's own Stripe keys, and what it asks for when a client books online.
    Without a row (or with its keys removed) nothing online shows anywhere."""

    class Ask(models.TextChoices):
        NOTHING = "nothing", "Nothing: clients pay at the session"
        DEPOSIT = "deposit", "A deposit"
        FULL = "full", "The full price"

    secret_key = models.CharField(max_length=255)
    webhook_secret = models.CharField("webhook signing secret", max_length=255)
    ask = models.CharField(
        "when a client books online, take", max_length=8, choices=Ask.choices, default=Ask.NOTHING
    )
    deposit = models.DecimalField(
        "deposit",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENTS)],
    )
    save_cards = models.BooleanField(
        "clients may save a card for the policy's fees",
        default=False,
        help_text="A client who agrees can be charged a missed-session or late-cancellation "
        "fee without being asked again.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice"], name="one_stripe_account_per_practice")
        ]

    def __str__(self):
        return f"Stripe, key ending {self.secret_key[-4:]}"


class Checkout(TenantModel):
    """One Stripe Checkout the client was sent to: a booking's deposit, what they owed, or
    saving a card. Settled once, by whichever of Stripe's events arrives first."""

    class Purpose(models.TextChoices):
        DEPOSIT = "deposit", "Deposit for a booking"
        OWED = "owed", "What was owed"
        CARD = "card", "Saving a card"

    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    session_id = models.CharField(max_length=255, unique=True)
    url = models.URLField(max_length=2000)
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    # The sessions it pays for and how much of each ({appointment pk: "amount"}).
    parts = models.JSONField(default=dict, blank=True)
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE)
    hold = models.ForeignKey(
        "treatment_sessions.BookingHold",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="checkout"
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Paid after its time had gone to someone else: given back in full.
    given_back = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_purpose_display()} ({self.session_id})"


class StripeEvent(TenantModel):
    """Each event Stripe delivered, kept by its id so a second delivery does nothing."""

    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=80)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "event_id"], name="stripe_event_once")
        ]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class SavedCard(TenantModel):
    """A card the client saved, with their consent, for the policy's fees only."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="saved_card")
    customer = models.CharField(max_length=255)
    payment_method = models.CharField(max_length=255)
    brand = models.CharField(max_length=32, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    consent = models.TextField("what the client agreed to")
    consented_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.brand} ending {self.last4}"
