import zoneinfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core.exceptions import ValidationError
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from .models import Practice, User


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Messages to clients are timed in this zone.")
        kwargs.setdefault("initial", settings.TIME_ZONE)
        super().__init__(choices=time_zone_choices, **kwargs)


class CurrencyField(forms.CharField):
    """A three-letter currency code, accepted in any case."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("help_text", Practice._meta.get_field("currency").help_text)
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).upper()


def submit_helper(label):
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with an e-mail address, whatever its capitalisation.

    Besides axes' lock of one e-mail at one address, failed sign-ins are counted per address
    over all e-mails (SIGN_IN_FAILURES_PER_ADDRESS): a run of stolen passwords stops after a
    few dozen tries, while a locked-out therapist can still sign in from her phone."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "address_limit": (
            "Too many failed sign-ins have come from this network. Please wait an hour, or "
            "sign in from another connection (your phone's mobile data, say)."
        ),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        if self.request is not None and address_limited(self.request, count=False):
            raise ValidationError(self.error_messages["address_limit"], code="address_limit")
        try:
            return super().clean()
        except ValidationError:
            if self.request is not None:
                address_limited(self.request, count=True)
            raise


def address_limited(request, *, count):
    """Whether this address is over its failed sign-ins; with `count`, add one first."""
    return is_ratelimited(
        request,
        group="sign-in-failures-per-address",
        key="ip",
        rate=settings.SIGN_IN_FAILURES_PER_ADDRESS,
        method=ALL,
        increment=count,
    )


class SignUpForm(BaseUserCreationForm):
    practice_name = forms.CharField(
        max_length=120, help_text="As your clients know it, e.g. “Calm Hands Massage”."
    )
    time_zone = TimeZoneField()

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].required = True
        self.helper = submit_helper("Create my practice")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this e-mail already exists. Sign in, or reset the password."
            )
        return email


class PracticeCreateForm(forms.ModelForm):
    time_zone = TimeZoneField()
    currency = CurrencyField(initial="GBP")

    class Meta:
        model = Practice
        fields = ("name", "time_zone", "currency")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper("Create practice")


class PracticeSettingsForm(forms.ModelForm):
    time_zone = TimeZoneField()
    currency = CurrencyField()

    def clean_cancellation_notice_hours(self):
        value = self.cleaned_data.get("cancellation_notice_hours")
        return (
            Practice._meta.get_field("cancellation_notice_hours").default
            if value is None
            else value
        )

    class Meta:
        model = Practice
        fields = (
            "name",
            "is_full",
            "phone",
            "email",
            "address",
            "country",
            "time_zone",
            "currency",
            "cancellation_policy",
            "late_arrival_policy",
            "health_recheck",
            "intake_max_age_months",
            "online_booking",
            "confirm_online_bookings",
            "cancellation_notice_hours",
            "pain_threshold",
            "licence_body",
            "licence_number",
            "tax_number",
            "insurer_receipts",
            "provider_number",
            "takes_tips",
            "no_show_fee",
            "late_cancellation_fee",
            "insurer_name",
            "insurance_policy_number",
            "insurance_expires_on",
            "insurer_claims_email",
            "late_arrival_limit",
            "no_show_limit",
            "late_cancellation_limit",
            "unpaid_limit",
            "require_two_factor",
        )
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "cancellation_policy": forms.Textarea(attrs={"rows": 3}),
            "late_arrival_policy": forms.Textarea(attrs={"rows": 3}),
            "insurance_expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty keeps the usual notice.
        self.fields["cancellation_notice_hours"].required = False
        self.helper = submit_helper("Save settings")
        self.helper.layout = Layout(
            Fieldset(
                "Practice", "name", "phone", "email", "address", "country", "time_zone", "currency"
            ),
            Fieldset("New clients", "is_full"),
            Fieldset("Health before each visit", "health_recheck", "intake_max_age_months"),
            Fieldset(
                "Online booking",
                "online_booking",
                "confirm_online_bookings",
                "cancellation_notice_hours",
            ),
            Fieldset("Policies", "cancellation_policy", "late_arrival_policy"),
            Fieldset("Clinical", "pain_threshold"),
            Fieldset("Professional registration", "licence_body", "licence_number"),
            Fieldset(
                "Payments and receipts",
                "tax_number",
                "insurer_receipts",
                "provider_number",
                "takes_tips",
                "no_show_fee",
                "late_cancellation_fee",
            ),
            Fieldset(
                "Professional indemnity insurance",
                "insurer_name",
                "insurance_policy_number",
                "insurance_expires_on",
                "insurer_claims_email",
            ),
            Fieldset("Security", "require_two_factor"),
            Fieldset(
                "When to flag a pattern (in 12 months)",
                "late_arrival_limit",
                "no_show_limit",
                "late_cancellation_limit",
                "unpaid_limit",
            ),
        )
