"""Sign-in lock-out, sessions that end when idle, and the headers on real responses."""

import time

import pytest
import time_machine
from django.urls import reverse

from ..factories import PASSWORD


def sign_in(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_repeated_wrong_passwords_pause_sign_in_with_a_clear_page(
    client, owner, settings, frozen_clock
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, owner.email, "wrong").status_code == 200

    locked = sign_in(client, owner.email, "wrong")
    after = sign_in(client, owner.email, PASSWORD)  # even the right password waits

    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    assert after.status_code == 429
    assert "reset your password" in after.content.decode()


def test_the_owner_unlocks_a_locked_member(client, owner, assistant, settings, frozen_clock):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, assistant.email, "wrong")
    assert sign_in(client, assistant.email, PASSWORD).status_code == 429

    client.force_login(owner)
    members = client.get(reverse("practice:members"))
    membership = next(m for m in members.context["members"] if m.user == assistant)
    assert membership.locked
    client.post(reverse("practice:unlock", args=[membership.public_id]))
    client.logout()

    assert sign_in(client, assistant.email, PASSWORD).status_code == 302


def test_an_idle_sign_in_ends_and_an_active_one_lasts(client, owner, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client.force_login(owner)
    start = time.time()
    with time_machine.travel(start + 1900):  # past half-life: renewed
        assert client.get(reverse("dashboard")).status_code == 200
    with time_machine.travel(start + 3700):  # 30 min after the last renewal: still in
        assert client.get(reverse("dashboard")).status_code == 200
    with time_machine.travel(start + 9000):  # idle for over an hour
        assert client.get(reverse("dashboard")).status_code == 302


def test_changing_the_password_signs_out_other_sessions(client, owner, django_user_model):
    from django.test import Client

    other_device = Client()
    other_device.force_login(owner)
    client.force_login(owner)
    new = "another-long-Passphrase-9"
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert client.get(reverse("dashboard")).status_code == 200
    assert other_device.get(reverse("dashboard")).status_code == 302


@pytest.mark.parametrize("path", ["/accounts/login/", "/signup/"])
def test_security_headers_on_real_responses(client, db, settings, path):
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_production_settings_send_hsts_and_secure_cookies(client, owner, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.post(
        reverse("login"), {"username": owner.email, "password": PASSWORD}, secure=True
    )

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]


def test_many_e_mails_tried_from_one_address_are_stopped_after_a_few_dozen(
    client, owner, settings, frozen_clock
):
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    limit = int(settings.SIGN_IN_FAILURES_PER_ADDRESS.split("/")[0])
    answered = [sign_in(client, f"person{n}@example.com", "Summer2026!") for n in range(limit + 5)]

    refused = [r for r in answered if "Too many failed sign-ins" in r.content.decode()]
    # Each e-mail is new to axes; the address stops them once it is over the limit.
    assert len(refused) == 4  # the limit, one over it, then these four refused unread
    assert all(r.status_code == 200 for r in answered)  # the form, with the reason on it
    # Even the right password waits at this address ...
    assert "Too many failed" in sign_in(client, owner.email, PASSWORD).content.decode()
    # ... but not from another one (her phone), nor here an hour later.
    assert sign_in(Client(REMOTE_ADDR="10.9.8.7"), owner.email, PASSWORD).status_code == 302
    frozen_clock.shift(60 * 60 + 1)
    assert sign_in(client, owner.email, PASSWORD).status_code == 302
    cache.clear()


def test_password_reset_requests_are_rate_limited(client, db, frozen_clock):
    from django.core.cache import cache

    cache.clear()
    statuses = [
        client.post(reverse("password_reset"), {"email": "x@example.com"}).status_code
        for _ in range(6)
    ]

    assert statuses == [302] * 5 + [429]
    cache.clear()


def test_only_the_owner_exports_a_clients_record(assistant_client, practice):
    from ..factories import ClientFactory

    record = ClientFactory(practice=practice)
    response = assistant_client.get(reverse("clients:export", args=[record.public_id]))
    assert response.status_code == 403
