"""Two-step sign-in: a code from an authenticator app (TOTP), with recovery codes.

django-otp does the cryptography and remembers, per session, that the code was given;
these views only set it up and ask for it.
"""

import base64
import secrets

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10


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


@login_required
def setup(request):
    """Show a QR code for a new authenticator; the first correct code turns it on."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Phone", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            codes = confirm(request.user, device)
            otp_login(request, device)
            return render(request, "registration/two_factor_codes.html", {"codes": codes})
        form.add_error(
            "code", "That code is not right. Check the time on your phone and try again."
        )
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4)
    context = {
        "form": form,
        "qr": qr,
        "secret": typed_key(device),
        "already": has_authenticator(request.user),
    }
    return render(request, "registration/two_factor_setup.html", context)


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
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "dashboard"
            return redirect(target)
        form.add_error("code", "That code is not right.")
    return render(request, "registration/two_factor_verify.html", {"form": form})
