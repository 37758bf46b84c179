"""Two-step sign-in: a code from an authenticator app (TOTP), with recovery codes.

django-otp does the cryptography and remembers, per session, that the code was given;
these views only set it up and ask for it.

Setting up is where an account is taken over if anything is: once an authenticator is on,
the setup page opens only to a session that has given a code, and replacing the phone asks
for a code from the current one (or a recovery code, for a lost phone). Every change of the
authenticator or the recovery codes is announced to the account's own address through the
`two_factor_changed` signal (the outbox, which is a higher layer, sends it).
"""

import base64
import secrets

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.dispatch import Signal
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10

# Sent with `user`, `practice` (the request's, or None) and `change`: one of CHANGES.
two_factor_changed = Signal()
CHANGES = {
    "set_up": "Two-step sign-in was turned on",
    "replaced": "Two-step sign-in moved to a new authenticator app",
    "recovery_code_used": "A recovery code was used to sign in",
}


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )


def has_authenticator(user):
    """Two-step sign-in is on when an authenticator is confirmed (recovery codes come with
    it and never exist alone). One query, on every page."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_code(request):
    """Where a signed-in person must go before they may use the practice, or None."""
    user = request.user
    if not user.is_authenticated:
        return None
    if has_authenticator(user):
        return None if user.is_verified() else "two_factor_verify"
    practice = getattr(request, "practice", None)
    if practice is not None and practice.require_two_factor:
        return "two_factor_setup"
    return None


class ReplaceForm(CodeForm):
    """Moving two-step sign-in to a new phone: a code from the current one comes first."""

    current = forms.CharField(
        label="Code from your current app",
        max_length=16,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="The 6 digits your current authenticator app shows, or a recovery code "
        "if you no longer have that phone.",
    )
    field_order = ["current", "code"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["code"].label = "Code from the new app"
        self.fields["code"].help_text = "The 6 digits the new app shows after you scan the code."

    def clean_current(self):
        """The current authenticator or a recovery code must answer (a recovery code used
        here is used up, as at sign-in)."""
        typed = self.cleaned_data["current"].strip().replace(" ", "")
        self.current_device = match_token(self.user, typed)
        if self.current_device is None:
            raise forms.ValidationError("That is not a code from your current app.")
        return typed


@login_required
def setup(request):
    """Show a QR code for a new authenticator; the first correct code turns it on."""
    already = has_authenticator(request.user)
    if already and not request.user.is_verified():
        # A password alone must never reach the page that replaces the authenticator.
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_setup')}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Phone", confirmed=False)
    data = request.POST or None
    form = ReplaceForm(data, user=request.user) if already else CodeForm(data)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            codes = confirm(request.user, device)
            otp_login(request, device)
            announce(request, "replaced" if already else "set_up")
            return render(request, "registration/two_factor_codes.html", {"codes": codes})
        form.add_error(
            "code", "That code is not right. Check the time on your phone and try again."
        )
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4)
    context = {"form": form, "qr": qr, "secret": typed_key(device), "already": already}
    return render(request, "registration/two_factor_setup.html", context)


def announce(request, change):
    """Tell the account's owner, at their own address, that their two-step sign-in
    changed (after the change is committed)."""
    user, practice = request.user, getattr(request, "practice", None)
    transaction.on_commit(
        lambda: two_factor_changed.send(sender=None, user=user, practice=practice, change=change),
        robust=True,
    )


def typed_key(device):
    """The key as authenticator apps take it by hand: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def confirm(user, device):
    """Turn the authenticator on and make fresh recovery codes; return them (shown once)."""
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [secrets.token_hex(4) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


@login_required
def verify(request):
    """Ask for the code after the password."""
    if request.user.is_verified():
        return redirect("dashboard")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, f"Recovery code used: {left} left.")
                announce(request, "recovery_code_used")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "dashboard"
            return redirect(target)
        form.add_error("code", "That code is not right.")
    return render(request, "registration/two_factor_verify.html", {"form": form})
