"""Pages of online payments: the practice's Stripe settings, Stripe's webhook, and the
client's pages (pay what is owed, save a card, back from paying a deposit). None of them
exists for a practice without Stripe keys: they answer 404."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_scopes import scope, scopes_disabled

from practice import audit, dates
from practice.models import Practice
from practice.tenancy import get_for_practice, owner_required, practice_required
from sessions import booking, booking_views
from sessions.models import BookingHold

from . import online, services
from .forms import StripeAccountForm
from .models import Checkout, Fee, StripeAccount

log = logging.getLogger(__name__)


@owner_required
def online_settings(request):
    """Settings → Online payments: the keys, the deposit, saved cards; or remove the keys."""
    practice = request.practice
    account = StripeAccount.objects.filter(practice=practice).first()
    if request.method == "POST" and "remove" in request.POST and account is not None:
        account.delete()
        audit.note(practice, request.user, audit.Action.CHANGE, "removed the Stripe keys")
        messages.success(request, "Stripe keys removed: clients no longer pay online.")
        return redirect("payments:online")
    form = StripeAccountForm(
        request.POST or None, instance=account or StripeAccount(practice=practice)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.note(practice, request.user, audit.Action.CHANGE, "changed online payments")
        messages.success(request, "Online payments saved.")
        return redirect("payments:online")
    webhook = online.absolute(reverse("receipts:stripe_webhook", args=[practice.public_id]))
    context = {"form": form, "account": account, "webhook": webhook, "events": online.EVENTS}
    return render(request, "payments/online.html", context)


@csrf_exempt
@require_POST
def stripe_webhook(request, practice_id):
    """Stripe's events for one practice, checked with its signing secret."""
    with scopes_disabled():
        practice = get_object_or_404(Practice, public_id=practice_id)
    with scope(practice=practice):
        try:
            result = online.receive(
                practice, request.body, request.headers.get("Stripe-Signature", "")
            )
        except ValueError as error:
            log.warning("Refused a webhook delivery: %s", error)
            return HttpResponseBadRequest("Not a signed event of this practice's Stripe account.")
    return HttpResponse(result, content_type="text/plain")


@booking_views.rate_limited
def deposit_paid(request, token):
    """Back from paying a deposit on Stripe's page: booked, still being confirmed by Stripe
    (the page looks again by itself), or paid after the time went (given back)."""
    with scopes_disabled():
        hold = get_object_or_404(
            BookingHold.objects.select_related("practice", "service", "appointment__client"),
            token_hash=booking.hash_token(token),
        )
    practice = hold.practice
    with scope(practice=practice):
        checkout = Checkout.objects.filter(hold=hold).order_by("-created_at").first()
        if checkout is None:
            raise Http404("No payment for this booking.")
        context = {
            "practice": practice,
            "hold": hold,
            "checkout": checkout,
            "when": dates.when(hold.start, practice),
            "appointment": hold.appointment,
            # Not paid before Stripe closed its page (whether or not its event came).
            "lapsed": not checkout.settled_at
            and (checkout.expired_at or checkout.expires_at <= timezone.now()),
        }
        return render(request, "payments/deposit_paid.html", context)


def _link_with_stripe(token):
    link = booking_views.link_or_404(token)
    with scope(practice=link.practice):
        account = online.account_for(link.practice)
    if account is None:
        raise Http404("This practice takes no payments online.")
    return link, account


@booking_views.rate_limited
def pay_owed(request, token):
    """What the client owes, and a button to pay it on Stripe's page."""
    link, _account = _link_with_stripe(token)
    with scope(practice=link.practice):
        sessions = services.owed_sessions(link.client)
        if request.method == "POST" and sessions:
            try:
                return redirect(online.checkout_for_owed(link.client, sessions, token))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        context = {
            "sessions": sessions,
            "total": sum((s.owed for s in sessions), services.ZERO),
            "mine_url": reverse("booking:mine", args=[token]),
        }
        page = booking_views.link_page(request, link, "payments/pay_owed.html", context)
        return online.allow_checkout(page)


@booking_views.rate_limited
def paid(request, token):
    """Back from paying what was owed."""
    link, _account = _link_with_stripe(token)
    with scope(practice=link.practice):
        context = {
            "left": sum((s.owed for s in services.owed_sessions(link.client)), services.ZERO),
            "mine_url": reverse("booking:mine", args=[token]),
        }
        return booking_views.link_page(request, link, "payments/paid.html", context)


@booking_views.rate_limited
def card(request, token):
    """Save a card for the policy's fees, with the client's consent, or remove it."""
    link, account = _link_with_stripe(token)
    if not account.save_cards:
        raise Http404("This practice does not keep cards.")
    client = link.client
    with scope(practice=link.practice):
        problem = ""
        if request.method == "POST":
            if "remove" in request.POST:
                online.remove_card(client)
                messages.success(request, "Your card is removed: nothing more will be charged.")
                return redirect("receipts:card", token)
            if request.POST.get("agree") != "yes":
                problem = "Tick the box to agree, or leave this page: nothing is saved."
            else:
                try:
                    return redirect(online.checkout_for_card(client, token))
                except ValidationError as error:
                    problem = " ".join(error.messages)
        context = {
            "saved": getattr(client, "saved_card", None),
            "consent": online.CARD_CONSENT.format(practice=link.practice.name),
            "problem": problem,
            "just_saved": request.GET.get("saved") == "1",
            "mine_url": reverse("booking:mine", args=[token]),
        }
        page = booking_views.link_page(request, link, "payments/card.html", context)
        return online.allow_checkout(page)


@require_POST
@practice_required
def fee_charge(request, public_id):
    """Charge a fee owed to the card the client saved for it."""
    fee = get_for_practice(
        request, Fee.objects.select_related("appointment__client"), public_id=public_id
    )
    client = fee.appointment.client
    try:
        payment = online.charge_fee(fee, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if payment is not None:
            messages.success(request, f"The card was charged {payment.amount}; receipt issued.")
    return redirect("payments:client", public_id=client.public_id)
