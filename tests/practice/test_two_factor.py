import base64
import time

import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..factories import PASSWORD


def code_for(device):
    """The code the client's authenticator app would show now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def sign_in(client, user):
    return client.post(reverse("login"), {"username": user.email, "password": PASSWORD})


def turn_on(client, user):
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    return device, response.context["codes"]


def test_setting_up_shows_a_qr_code_and_recovery_codes(owner_client, owner):
    page = owner_client.get(reverse("two_factor_setup"))
    assert "<svg" in page.content.decode()

    wrong = owner_client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()

    with time_machine.travel(time.time() + 60):  # wrong codes slow down the next try
        device, codes = turn_on(owner_client, owner)
    device.refresh_from_db()
    assert device.confirmed and len(codes) == 10


def test_after_the_password_the_code_is_asked_for(client, owner):
    client.force_login(owner)
    _, codes = turn_on(client, owner)
    client.logout()

    sign_in(client, owner)
    blocked = client.get(reverse("dashboard"))
    assert blocked.url.startswith(reverse("two_factor_verify"))

    wrong = client.post(reverse("two_factor_verify"), {"code": "123456"})
    assert "That code is not right" in wrong.content.decode()
    with time_machine.travel(time.time() + 60):  # wrong codes slow down the next try
        client.post(reverse("two_factor_verify") + "?next=/clients/", {"code": codes[0]})
        assert client.get(reverse("dashboard")).status_code == 200


def test_a_recovery_code_works_once(client, owner):
    client.force_login(owner)
    _, codes = turn_on(client, owner)
    for expected in (200, 302):
        client.logout()
        sign_in(client, owner)
        client.post(reverse("two_factor_verify"), {"code": codes[3]})
        assert client.get(reverse("dashboard")).status_code == expected


def test_an_owner_can_require_it_for_everyone(client, assistant, practice):
    practice.require_two_factor = True
    practice.save()
    client.force_login(assistant)

    response = client.get(reverse("clients:list"))

    assert response.url.startswith(reverse("two_factor_setup"))


def test_the_authenticator_code_lets_you_in(client, owner):
    client.force_login(owner)
    device, _ = turn_on(client, owner)
    client.logout()

    with time_machine.travel(time.time() + 90):  # a later 30-second window: a new code
        sign_in(client, owner)
        device.refresh_from_db()
        client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        assert client.get(reverse("dashboard")).status_code == 200


def test_the_key_to_type_in_is_base32_in_groups_of_four_as_apps_expect(owner_client, owner):
    page = owner_client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=owner)

    shown = page.context["secret"]
    assert all(len(group) == 4 for group in shown.split()[:-1])
    assert set(shown.replace(" ", "")) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    typed = shown.replace(" ", "")
    assert base64.b32decode(typed + "=" * (-len(typed) % 8)) == device.bin_key
    assert f"secret={typed}" in device.config_url  # the same key as the QR code carries
    assert f"Key: {shown}" in page.content.decode()
