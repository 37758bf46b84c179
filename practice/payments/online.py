"""Online payments through the practice's own Stripe account (optional).

Clients pay on Stripe's Checkout page, never ours: a booking's deposit (or full price), what
they owe, or saving a card for the policy's fees. A payment is recorded only from Stripe's
signed webhook: each event is kept by its id, so a second delivery does nothing, and a
Checkout is settled once under a lock whichever of its events arrives first
(checkout.session.completed or payment_intent.succeeded), so events out of order settle the
same way. A deposit whose event arrives after the hold ran out still books the time if it is
free, and is given back through Stripe when it is not. A hold waiting for its deposit keeps
its time until the Checkout expires (Stripe takes no payment after that), then frees it.

Without a StripeAccount with keys, `account_for` is None and nothing of this shows.
"""

import datetime
import logging
from decimal import Decimal

import stripe
from babel.numbers import get_currency_precision
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from practice import audit
from practice.money import money
from sessions import booking
from sessions.availability import Unavailable
from sessions.models import Appointment, BookingHold

from . import services
from .models import (
    Checkout,
    Fee,
    Payment,
    PaymentItem,
    Refund,
    SavedCard,
    StripeAccount,
    StripeEvent,
)

log = logging.getLogger(__name__)

CARD_CONSENT = (
    "I agree that {practice} may charge this card for a fee its cancellation policy sets "
    "(a missed session, or one cancelled late), and for nothing else, until I remove it."
)


def account_for(practice):
    """The practice's Stripe account, or None where it has entered no keys."""
    return StripeAccount.objects.filter(practice=practice).exclude(secret_key="").first()


def client_for(account):
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(account.secret_key, base_addresses=base, max_network_retries=2)


def minor_units(amount, currency):
    """Decimal 70.00 in GBP is 7000 for Stripe; in JPY, 70."""
    return int((Decimal(amount) * 10 ** get_currency_precision(currency)).to_integral_value())


def from_minor(units, currency):
    digits = get_currency_precision(currency)
    return (Decimal(units) / 10**digits).quantize(Decimal(1).scaleb(-digits))


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def stripe_error(error):
    """What went wrong, in words for the therapist or the client."""
    message = getattr(error, "user_message", None) or "Stripe could not be reached."
    return ValidationError(f"The online payment did not go through: {message}")


def deposit_for(account, service):
    """What a booking of `service` asks for online: None where it asks nothing."""
    if account is None or account.ask == StripeAccount.Ask.NOTHING:
        return None
    if account.ask == StripeAccount.Ask.FULL:
        return service.price or None
    return min(account.deposit, service.price) if service.price else account.deposit


def _open(account, purpose, *, amount, name, success, cancel, minutes, **fields):
    """A new Checkout at Stripe and its row here."""
    practice = account.practice
    expires = timezone.now() + datetime.timedelta(minutes=max(minutes, 30))  # Stripe's least
    checkout = Checkout(practice=practice, purpose=purpose, amount=amount, expires_at=expires)
    for field, value in fields.items():
        setattr(checkout, field, value)
    params = {
        "mode": "setup" if purpose == Checkout.Purpose.CARD else "payment",
        "success_url": absolute(success),
        "cancel_url": absolute(cancel),
        "expires_at": int(expires.timestamp()),
        "client_reference_id": str(checkout.public_id),
        "metadata": {"practice": str(practice.public_id), "purpose": purpose},
    }
    client = fields.get("client")
    if client is not None and client.email:
        params["customer_email"] = client.email
    if purpose == Checkout.Purpose.CARD:
        params["currency"] = practice.currency.lower()
        params["customer_creation"] = "always"
    else:
        params["payment_intent_data"] = {"metadata": {"checkout": str(checkout.public_id)}}
        params["line_items"] = [
            {
                "quantity": 1,
                "price_data": {
                    "currency": practice.currency.lower(),
                    "unit_amount": minor_units(amount, practice.currency),
                    "product_data": {"name": name},
                },
            }
        ]
    try:
        session = client_for(account).v1.checkout.sessions.create(params=params)
    except stripe.StripeError as error:
        raise stripe_error(error) from error
    checkout.session_id, checkout.url = session.id, session.url
    checkout.save()
    return checkout


def checkout_for_hold(hold, token):
    """The Stripe page for a held time's deposit: the open one, or a new one. The hold
    keeps its time until the Checkout expires. None where the practice asks nothing."""
    account = account_for(hold.practice)
    amount = deposit_for(account, hold.service)
    if amount is None:
        return None
    now = timezone.now()
    existing = Checkout.objects.filter(hold=hold, settled_at=None, expires_at__gt=now).first()
    if existing is not None:
        return existing.url
    what = "Deposit" if account.ask == StripeAccount.Ask.DEPOSIT else "Booking"
    when = timezone.localtime(hold.start).strftime("%-d %b %Y, %H:%M")
    checkout = _open(
        account,
        Checkout.Purpose.DEPOSIT,
        amount=amount,
        name=f"{what}: {hold.service.name}, {when}",
        success=reverse("receipts:deposit_paid", args=[token]),
        cancel=reverse("booking:confirm_hold", args=[token]),
        minutes=settings.BOOKING_HOLD_MINUTES,
        hold=hold,
    )
    BookingHold.objects.filter(pk=hold.pk).update(expires_at=checkout.expires_at)
    return checkout.url


def checkout_for_owed(client, sessions, token):
    """The Stripe page for what the client owes (the sessions of payments.owed_sessions)."""
    account = account_for(client.practice)
    parts = {str(session.pk): str(session.owed) for session in sessions}
    amount = sum((session.owed for session in sessions), Decimal("0.00"))
    plural = "s" if len(sessions) > 1 else ""
    return _open(
        account,
        Checkout.Purpose.OWED,
        amount=amount,
        name=f"{client.practice.name}: {len(sessions)} session{plural} owed",
        success=reverse("receipts:paid", args=[token]),
        cancel=reverse("receipts:pay", args=[token]),
        minutes=30,
        client=client,
        parts=parts,
    ).url


def checkout_for_card(client, token):
    account = account_for(client.practice)
    return _open(
        account,
        Checkout.Purpose.CARD,
        amount=0,
        name="",
        success=reverse("receipts:card", args=[token]) + "?saved=1",
        cancel=reverse("receipts:card", args=[token]),
        minutes=30,
        client=client,
    ).url


# --- Stripe's webhook -------------------------------------------------------------------


def receive(practice, payload, signature):
    """One delivery of the webhook: checked against the practice's signing secret, handled
    once per event id. Raises ValueError for a body or a signature that is not Stripe's."""
    account = account_for(practice)
    if account is None:
        raise ValueError("This practice takes no online payments.")
    try:
        event = stripe.Webhook.construct_event(payload, signature, account.webhook_secret)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise ValueError(str(error)) from error
    with transaction.atomic():
        _, new = StripeEvent.objects.get_or_create(
            practice=practice, event_id=event.id, defaults={"type": event.type}
        )
        if not new:
            return "already handled"
        handler = HANDLERS.get(event.type)
        if handler is None:
            return "ignored"
        handler(account, event.data.object)
    return "handled"


def _checkout(account, **lookup):
    return Checkout.objects.select_for_update().filter(practice=account.practice, **lookup).first()


def on_checkout_completed(account, session):
    checkout = _checkout(account, session_id=session.id)
    if checkout is None or checkout.settled_at:
        return
    if session.mode == "setup":
        save_card(account, checkout, session.setup_intent)
    elif session.payment_status == "paid":
        settle(account, checkout, session.payment_intent, session.amount_total)


def on_intent_succeeded(account, intent):
    """A PaymentIntent paid: a Checkout's (settled here if its own event is still to come),
    or a fee charged to a saved card (recorded when it was charged, or here)."""
    metadata = intent.metadata.to_dict() if intent.metadata else {}
    if metadata.get("checkout"):
        checkout = _checkout(account, public_id=metadata["checkout"])
        if checkout is not None and not checkout.settled_at:
            settle(account, checkout, intent.id, intent.amount_received)
    elif metadata.get("fee"):
        fee = Fee.objects.filter(practice=account.practice, public_id=metadata["fee"]).first()
        if fee is not None:
            record_fee_payment(fee, intent.id, by=None)


def on_checkout_expired(account, session):
    """Never paid: the held time is free again (and the page says so)."""
    checkout = _checkout(account, session_id=session.id)
    if checkout is None or checkout.settled_at or checkout.expired_at:
        return
    now = timezone.now()
    checkout.expired_at = now
    checkout.save(update_fields=["expired_at"])
    if checkout.hold_id:
        BookingHold.objects.filter(pk=checkout.hold_id, confirmed_at=None).update(expires_at=now)


def settle(account, checkout, intent_id, amount_total):
    """Record what a Checkout took, once: a deposit books its held time (late or not, if the
    time is still free) and pays towards that session; what was owed pays those sessions
    (as much of each as is still owed: the rest waits on the payment to be given back)."""
    practice = account.practice
    paid = from_minor(amount_total, practice.currency)
    now = timezone.now()
    checkout.settled_at = now
    if checkout.purpose == Checkout.Purpose.DEPOSIT:
        hold = checkout.hold
        try:
            if hold is None:
                raise Unavailable("The held time was let go.", "closed")
            appointment = hold.appointment or booking.confirm_hold(hold, now=now, paid=True)
        except Unavailable:
            give_back(account, intent_id, paid)
            checkout.given_back = True
            checkout.save(update_fields=["settled_at", "given_back"])
            log.warning("Deposit %s paid after its time was taken: given back.", checkout.pk)
            return
        checkout.appointment = appointment
        amounts = {appointment: paid}
        client = appointment.client
    else:
        client = checkout.client
        sessions = {
            s.pk: s for s in services.paid_for(client.appointments.filter(pk__in=checkout.parts))
        }
        amounts = {}
        for pk, part in checkout.parts.items():
            session = sessions.get(int(pk))
            still = min(Decimal(part), session.owed) if session is not None else 0
            if still > 0:
                amounts[session] = still
    payment, _ = services.record_payment(
        client,
        by=None,
        amounts=amounts,
        method=Payment.Method.ONLINE,
        email=bool(client.email),
        stripe_payment_intent=intent_id,
        total=paid,
    )
    checkout.payment = payment
    checkout.save(update_fields=["settled_at", "payment", "appointment"])


def give_back(account, intent_id, amount, *, key=None):
    """Give money back through Stripe; the refund's id."""
    params = {"payment_intent": intent_id, "amount": minor_units(amount, account.practice.currency)}
    options = {"idempotency_key": key or f"give-back-{intent_id}"}
    try:
        refund = client_for(account).v1.refunds.create(params=params, options=options)
    except stripe.StripeError as error:
        raise stripe_error(error) from error
    return refund.id


def save_card(account, checkout, setup_intent_id):
    """The card a client saved for the policy's fees, with the words they agreed to."""
    api = client_for(account)
    intent = api.v1.setup_intents.retrieve(setup_intent_id)
    method = api.v1.payment_methods.retrieve(intent.payment_method)
    card = getattr(method, "card", None)
    client = checkout.client
    SavedCard.objects.update_or_create(
        client=client,
        defaults={
            "practice": account.practice,
            "customer": intent.customer or "",
            "payment_method": method.id,
            "brand": getattr(card, "brand", "") or "",
            "last4": getattr(card, "last4", "") or "",
            "consent": CARD_CONSENT.format(practice=account.practice.name),
            "consented_at": timezone.now(),
        },
    )
    checkout.settled_at = timezone.now()
    checkout.save(update_fields=["settled_at"])
    audit.note(account.practice, None, audit.Action.CHANGE, "saved a card for fees", client)


def remove_card(client):
    """The client takes their consent back: the card is detached at Stripe and forgotten."""
    card = getattr(client, "saved_card", None)
    if card is None:
        return
    account = account_for(client.practice)
    if account is not None:
        try:
            client_for(account).v1.payment_methods.detach(card.payment_method)
        except stripe.StripeError:
            log.warning("Could not detach a removed card at Stripe.", exc_info=True)
    card.delete()
    audit.note(client.practice, None, audit.Action.CHANGE, "removed their saved card", client)


@transaction.atomic
def charge_fee(fee, *, by):
    """Charge a fee owed to the card the client saved for it (off session). Recorded when
    Stripe says it succeeded; the webhook's later event for it finds it recorded."""
    client = fee.appointment.client
    card = getattr(client, "saved_card", None)
    account = account_for(fee.practice)
    if card is None or account is None:
        raise ValidationError("This client has no card saved for fees.")
    owed = services.owed_session(client, fee.appointment_id)
    if owed is None or fee.waived_at:
        raise ValidationError("Nothing is owed for this fee.")
    params = {
        "amount": minor_units(owed.owed, fee.practice.currency),
        "currency": fee.practice.currency.lower(),
        "customer": card.customer,
        "payment_method": card.payment_method,
        "off_session": True,
        "confirm": True,
        "description": fee.get_kind_display(),
        "metadata": {"fee": str(fee.public_id), "practice": str(fee.practice.public_id)},
    }
    try:
        intent = client_for(account).v1.payment_intents.create(
            params=params, options={"idempotency_key": f"fee-{fee.public_id}-{owed.owed}"}
        )
    except stripe.StripeError as error:
        raise stripe_error(error) from error
    if intent.status != "succeeded":
        raise ValidationError("The card needs the client to confirm it: ask them to pay online.")
    return record_fee_payment(fee, intent.id, by=by, amount=owed.owed)


def record_fee_payment(fee, intent_id, *, by, amount=None):
    existing = Payment.objects.filter(practice=fee.practice, stripe_payment_intent=intent_id)
    if existing.exists():
        return existing.get()
    client = fee.appointment.client
    owed = services.owed_session(client, fee.appointment_id)
    if owed is None:
        return None
    payment, _ = services.record_payment(
        client,
        by=by,
        amounts={owed: amount or owed.owed},
        method=Payment.Method.ONLINE,
        email=bool(client.email),
        stripe_payment_intent=intent_id,
    )
    return payment


@transaction.atomic
def refund(payment, *, by, amount, reason, complaint=None):
    """services.refund, and for a payment taken online the money goes back through Stripe
    in the same transaction (nothing is recorded when Stripe refuses)."""
    given, credit = services.refund(
        payment, by=by, amount=amount, reason=reason, complaint=complaint
    )
    if payment.stripe_payment_intent:
        account = account_for(payment.practice)
        if account is None:
            raise ValidationError("Enter the Stripe keys again to give back an online payment.")
        given.stripe_refund = give_back(
            account, payment.stripe_payment_intent, amount, key=f"refund-{given.public_id}"
        )
        Refund.objects.filter(pk=given.pk).update(stripe_refund=given.stripe_refund)
    return given, credit


HANDLERS = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_checkout_completed,
    "checkout.session.expired": on_checkout_expired,
    "payment_intent.succeeded": on_intent_succeeded,
}


EVENTS = list(HANDLERS)  # what the practice asks Stripe to send to its webhook


def personal_section(client, token):
    """Paying online and the saved card, on the client's personal link (three queries;
    nothing without Stripe keys)."""
    account = account_for(client.practice)
    if account is None:
        return None
    items = []
    owed = sum((s.owed for s in services.owed_sessions(client)), services.ZERO)
    if owed > 0:
        label = f"Pay what you owe, {money(owed, client.practice)}, by card"
        items.append((label, reverse("receipts:pay", args=[token])))
    if account.save_cards:
        card = SavedCard.objects.filter(client=client).first()
        label = (
            f"Your card ending {card.last4} is saved for the policy's fees (remove it)"
            if card
            else "Save a card for the cancellation policy's fees"
        )
        items.append((label, reverse("receipts:card", args=[token])))
    return {"title": "Paying online", "items": items}


GIVEN_BACK_WHEN = {
    Appointment.Status.CANCELLED_CLIENT: "The client cancelled in time",
    Appointment.Status.CANCELLED_PRACTICE: "The practice cancelled or could not take the booking",
}


def give_back_when_cancelled(sender, appointment, old_status, by=None, **kwargs):
    """A session paid ahead online and then cancelled in time, or by the practice (a
    request it declined among them): what was paid for it goes back through Stripe, with
    its credit note. (Missed or cancelled late, it stays and counts towards the policy's
    fee.) Joined to sessions' appointment_status_changed."""
    reason = GIVEN_BACK_WHEN.get(appointment.status)
    if reason is None:
        return
    items = (
        PaymentItem.objects.filter(appointment=appointment, payment__voided_at=None)
        .exclude(payment__stripe_payment_intent="")
        .select_related("payment")
    )
    for item in items:
        amount = min(item.amount, services.refundable(item.payment))
        if amount <= 0:
            continue
        try:
            refund(item.payment, by=by, amount=amount, reason=reason)
        except ValidationError:  # Stripe unreachable: the owner gives it back from Payments
            log.warning("Could not give back payment %s of a cancelled session.", item.payment_id)


def allow_checkout(response):
    """A page whose form goes on to Stripe's Checkout: its Content-Security-Policy lets the
    form go there (form-action is our own site only everywhere else)."""
    response._csp_update = {"form-action": [settings.STRIPE_CHECKOUT_ORIGIN]}
    return response


class Deposits:
    """What the booking page asks of deposits (joined to sessions.deposits)."""

    @staticmethod
    def asked(hold):
        return deposit_for(account_for(hold.practice), hold.service)

    @staticmethod
    def checkout(hold, token):
        return checkout_for_hold(hold, token)

    @staticmethod
    def allow(response):
        return allow_checkout(response)
