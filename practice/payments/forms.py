import datetime
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from practice.money import money
from sessions.models import Service

from .models import Payment, StripeAccount


class PaymentForm(forms.Form):
    """Money taken from one client: which of their owed sessions it pays, and how much of
    each (what is owed, unless less was paid), how, when; the tip apart, where the
    practice takes tips."""

    method = forms.ChoiceField(
        label="How it was paid", choices=Payment.Method.choices[:3], initial=Payment.Method.CASH
    )
    paid_on = forms.DateField(
        label="Paid on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    tip = forms.DecimalField(
        label="Tip (kept apart, never on the receipt)",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        required=False,
    )
    voucher = forms.CharField(
        label="Gift card or voucher code",
        max_length=20,
        required=False,
        help_text="Paid with a code: it replaces how it was paid above.",
    )
    email = forms.BooleanField(label="E-mail the receipt to the client", required=False)

    def __init__(self, *args, sessions, client, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = sessions
        if not practice.takes_tips:
            del self.fields["tip"]
        reachable = bool(client.email and client.email_consent and client.can_reach("email"))
        if reachable:
            self.fields["email"].initial = True
        else:
            self.fields["email"].disabled = True
            self.fields["email"].help_text = (
                "The client has not agreed to e-mails, or has no address that works: print "
                "the receipt or hand it over instead."
            )
        for session in sessions:
            self.fields[f"pay_{session.pk}"] = forms.BooleanField(
                required=False, initial=len(sessions) == 1
            )
            self.fields[f"amount_{session.pk}"] = forms.DecimalField(
                min_value=Decimal("0.01"),
                max_value=session.owed,
                max_digits=10,
                decimal_places=2,
                initial=session.owed,
                required=False,
                error_messages={
                    "max_value": f"That is more than the {money(session.owed, practice)} "
                    "still owed for it."
                },
            )
        given = [session.voucher_code for session in sessions if session.voucher_code]
        if given:
            self.fields["voucher"].initial = given[0]
            self.fields["voucher"].help_text = "Given when booking online. " + (
                self.fields["voucher"].help_text
            )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def rows(self):
        """Each owed session with its two fields, for the template."""
        return [
            (session, self[f"pay_{session.pk}"], self[f"amount_{session.pk}"])
            for session in self.sessions
        ]

    def clean(self):
        cleaned = super().clean()
        amounts = {}
        for session in self.sessions:
            if not cleaned.get(f"pay_{session.pk}"):
                continue
            amount = cleaned.get(f"amount_{session.pk}")
            if amount is None:
                if f"amount_{session.pk}" not in self.errors:
                    self.add_error(f"amount_{session.pk}", "Enter how much was paid for it.")
                continue
            amounts[session] = amount
        if not amounts and not self.errors:
            raise forms.ValidationError("Tick the sessions this payment is for.")
        cleaned["amounts"] = amounts
        return cleaned


class CancelReceiptForm(forms.Form):
    reason = forms.CharField(
        label="Why it is cancelled",
        max_length=300,
        error_messages={"required": "Say why the receipt is cancelled."},
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: the wrong amount, or recorded for the wrong client. "
        "The client's sessions are owed again and you can record the payment anew.",
    )


class WaiveFeeForm(forms.Form):
    reason = forms.CharField(
        label="Why it is waived",
        max_length=300,
        error_messages={"required": "Say why the fee is waived."},
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: a first time, or an emergency. It stays in the client's record.",
    )


class RefundForm(forms.Form):
    """Money given back to a client: from which payment, how much, why."""

    payment = forms.ChoiceField(label="From the payment")
    amount = forms.DecimalField(label="Amount", min_value=Decimal("0.01"), decimal_places=2)
    reason = forms.CharField(
        label="Why",
        max_length=300,
        error_messages={"required": "Say why the money is given back."},
    )

    def __init__(self, *args, payments, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.payments = {str(payment.public_id): payment for payment, _ in payments}
        self.limits = {str(payment.public_id): left for payment, left in payments}
        self.fields["payment"].choices = [
            (
                str(payment.public_id),
                f"{payment.paid_on:%-d %b %Y}, {money(payment.amount, practice)} "
                f"({money(left, practice)} can be given back)",
            )
            for payment, left in payments
        ]
        self.practice = practice

    def clean(self):
        cleaned = super().clean()
        chosen, amount = cleaned.get("payment"), cleaned.get("amount")
        if chosen in self.limits and amount is not None and amount > self.limits[chosen]:
            self.add_error(
                "amount",
                f"At most {money(self.limits[chosen], self.practice)} can be given back "
                "from this payment.",
            )
        cleaned["payment_object"] = self.payments.get(chosen)
        return cleaned


class PackageForm(forms.Form):
    """Sessions paid ahead."""

    service = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any session", label="Of"
    )
    sessions = forms.IntegerField(label="Sessions", min_value=1, max_value=50, initial=5)
    price = forms.DecimalField(
        label="Price of the package", min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    expires_on = forms.DateField(
        label="Valid until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Empty: it does not expire.",
    )
    method = forms.ChoiceField(
        label="How it was paid", choices=Payment.Method.choices[:3], initial=Payment.Method.CARD
    )
    email = forms.BooleanField(label="E-mail the receipt to the client", required=False)

    def __init__(self, *args, client, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)
        self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=365)
        if not (client.email and client.email_consent and client.can_reach("email")):
            self.fields["email"].disabled = True
            self.fields["email"].help_text = "The client has not agreed to e-mails."
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value and value < timezone.localdate():
            raise forms.ValidationError("Choose a day from today on.")
        return value


class VoucherForm(forms.Form):
    """Gift cards and an offer's codes, made in a batch."""

    count = forms.IntegerField(label="How many codes", min_value=1, max_value=200, initial=1)
    amount = forms.DecimalField(
        label="Worth (an amount)",
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        required=False,
    )
    service = forms.ModelChoiceField(
        queryset=None, required=False, label="Or worth one session of", empty_label="—"
    )
    uses = forms.IntegerField(
        label="Times each code can be used",
        min_value=1,
        max_value=100,
        initial=1,
        help_text="A gift card of an amount can be used a few times until it is spent.",
    )
    valid_from = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    valid_until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    label = forms.CharField(label="Offer or occasion", max_length=120, required=False)
    bought_by = forms.CharField(label="Bought by", max_length=120, required=False)
    given_to = forms.CharField(label="For", max_length=120, required=False)

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        amount, service = cleaned.get("amount"), cleaned.get("service")
        if bool(amount) == bool(service) and "amount" not in self.errors:
            self.add_error("amount", "Give an amount, or choose a session: one of the two.")
        until, start = cleaned.get("valid_until"), cleaned.get("valid_from")
        if until and start and until < start:
            self.add_error("valid_until", "This is before the first day it can be used.")
        return cleaned


class StripeAccountForm(forms.ModelForm):
    """The practice's Stripe keys (kept, never shown again but for their last four), and
    what a client pays when booking online."""

    secret_key = forms.CharField(
        label="Secret key",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="From Stripe's dashboard, Developers → API keys: it begins sk_live_ "
        "(or sk_test_ to try it out).",
    )
    webhook_secret = forms.CharField(
        label="Webhook signing secret",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Shown by Stripe when you add the webhook address below: it begins whsec_.",
    )

    class Meta:
        model = StripeAccount
        fields = ["secret_key", "webhook_secret", "ask", "deposit", "save_cards"]
        widgets = {"ask": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        for name in ("secret_key", "webhook_secret"):
            kept = getattr(self.instance, name, "")
            if kept:
                self.fields[name].help_text = (
                    f"Kept, ending {kept[-4:]}. Leave empty to keep it; type a new one to "
                    "change it."
                )

    def clean_secret_key(self):
        key = self.cleaned_data["secret_key"].strip()
        if not key:
            if not self.instance.secret_key:
                raise forms.ValidationError("Enter the secret key.")
            return self.instance.secret_key
        if not key.startswith(("sk_", "rk_")):
            raise forms.ValidationError("A secret key begins sk_ (or rk_ for a restricted key).")
        return key

    def clean_webhook_secret(self):
        secret = self.cleaned_data["webhook_secret"].strip()
        if not secret:
            if not self.instance.webhook_secret:
                raise forms.ValidationError("Enter the webhook signing secret.")
            return self.instance.webhook_secret
        if not secret.startswith("whsec_"):
            raise forms.ValidationError("A webhook signing secret begins whsec_.")
        return secret

    def clean(self):
        data = super().clean()
        if data.get("ask") == "deposit" and not data.get("deposit"):
            self.add_error("deposit", "Enter the deposit clients pay when they book.")
        return data
