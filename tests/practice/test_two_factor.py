import base64
import re
import time

import time_machine
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from followups import dispatch

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


# --- An account taken over with a password alone ----------------------------------------


def attacker_device(client, user):
    """Open the setup page as the attacker would and return the new, unconfirmed key."""
    client.get(reverse("two_factor_setup"))
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def test_a_password_alone_cannot_reach_the_setup_page(client, owner):
    client.force_login(owner)
    device, codes = turn_on(client, owner)
    client.logout()

    sign_in(client, owner)  # the password, and nothing else
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 302
    assert page.url.startswith(reverse("two_factor_verify"))
    assert attacker_device(client, owner) is None

    own = TOTPDevice.objects.create(user=owner, name="Attacker", confirmed=False)
    taken = client.post(reverse("two_factor_setup"), {"code": code_for(own)})
    assert taken.status_code == 302
    assert client.get(reverse("clients:list")).url.startswith(reverse("two_factor_verify"))
    assert list(TOTPDevice.objects.filter(user=owner, confirmed=True)) == [device]

    client.logout()  # the owner's own codes still work
    sign_in(client, owner)
    client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert client.get(reverse("clients:list")).status_code == 200


def test_a_recovery_code_opens_the_setup_page_for_a_lost_phone(client, owner):
    client.force_login(owner)
    _, codes = turn_on(client, owner)
    client.logout()
    sign_in(client, owner)

    client.post(reverse("two_factor_verify") + "?next=/accounts/two-step/", {"code": codes[1]})

    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert "current" in page.context["form"].fields


def test_replacing_the_phone_asks_for_a_code_from_the_current_one(client, owner):
    client.force_login(owner)
    old, _ = turn_on(client, owner)
    new = attacker_device(client, owner)

    with time_machine.travel(time.time() + 90):  # the next window: the old app's next code
        without = client.post(reverse("two_factor_setup"), {"code": code_for(new)})
        assert "This field is required" in without.content.decode()
        wrong = client.post(
            reverse("two_factor_setup"), {"current": code_for(new), "code": code_for(new)}
        )
        assert "That is not a code from your current app." in wrong.content.decode()
        assert list(TOTPDevice.objects.filter(user=owner, confirmed=True)) == [old]

    with time_machine.travel(time.time() + 180):  # wrong codes slow down the next try
        old.refresh_from_db()
        done = client.post(
            reverse("two_factor_setup"), {"current": code_for(old), "code": code_for(new)}
        )
    assert len(done.context["codes"]) == 10
    assert list(TOTPDevice.objects.filter(user=owner, confirmed=True)) == [new]


def test_every_change_is_told_to_the_account_s_own_address(
    client, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        _, codes = turn_on(client, owner)
    client.logout()
    sign_in(client, owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("two_factor_verify"), {"code": codes[2]})

    dispatch.dispatch()

    sent = sorted(mail.outbox, key=lambda message: message.body)
    assert [message.to for message in sent] == [[owner.email], [owner.email]]
    assert {message.subject for message in sent} == {"A change to your two-step sign-in"}
    bodies = " ".join(message.body for message in sent)
    assert "A recovery code was used to sign in" in bodies
    assert "Two-step sign-in was turned on" in bodies
    assert "&" not in bodies and owner.email in bodies


def test_a_password_reset_does_not_get_round_two_step(client, owner):
    client.force_login(owner)
    device, _ = turn_on(client, owner)
    client.logout()

    client.post(reverse("password_reset"), {"email": owner.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    new_password = "a-brand-new-Passphrase-7"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert client.get(reverse("clients:list")).status_code == 302  # not signed in by it

    client.post(reverse("login"), {"username": owner.email, "password": new_password})
    assert client.get(reverse("clients:list")).url.startswith(reverse("two_factor_verify"))
    assert client.get(reverse("two_factor_setup")).url.startswith(reverse("two_factor_verify"))
    assert list(TOTPDevice.objects.filter(user=owner, confirmed=True)) == [device]
