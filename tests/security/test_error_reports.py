"""With SENTRY_DSN set, what would go to Sentry carries no health data and no names: an
error raised in the intake form's post and one raised in the dispatcher, each while a
client's answers and name are in scope, are captured by a transport of our own and
searched (practice/monitoring.py)."""

import json
import os
import subprocess
import sys

import pytest
import sentry_sdk
from django.test import Client as Browser
from sentry_sdk.transport import Transport

from clients import services as client_services
from followups import channels, tasks
from followups.models import Channel
from practice import monitoring

from ..clients.test_intake import intake_data, link_url
from ..factories import FollowUpFactory, IntakeLinkFactory

SECRETS = ("Robin", "Hale", "robin@example.com", "Nut oils", "22 weeks", "07911", "Lower back")


class Kept(Transport):
    """Keeps every envelope the SDK would send."""

    envelopes = []

    def capture_envelope(self, envelope):
        Kept.envelopes.append(envelope)


@pytest.fixture
def sentry():
    Kept.envelopes = []
    monitoring.init("https://key@sentry.example/1", transport=Kept)
    yield Kept
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # the next tests run without it


def sent_text(kept):
    sentry_sdk.flush()
    items = [item for envelope in kept.envelopes for item in envelope.items]
    assert items, "nothing was captured"
    return "\n".join(json.dumps(item.payload.json) for item in items if item.payload.json)


def test_an_error_in_the_intake_post_is_reported_without_what_was_typed(sentry, practice):
    _, token = IntakeLinkFactory.with_token(practice, client__first_name="Robin")
    real = client_services.submit_intake

    def fails(practice, answers, **kwargs):
        name = answers["first_name"]  # in scope, as in a real failure
        raise RuntimeError(f"could not save the form of {name} ({answers['allergies']})")

    client_services.submit_intake = fails
    try:
        response = Browser(raise_request_exception=False).post(
            link_url(token), intake_data(), HTTP_COOKIE="sessionid=secret-session"
        )
    finally:
        client_services.submit_intake = real

    assert response.status_code == 500
    text = sent_text(sentry)
    assert "RuntimeError" in text and "intake_by_link" in text  # enough to find the bug
    assert "/intake/{token}/" in text or "intake/<str:token>/" in text  # the pattern only
    for secret in (*SECRETS, token, "secret-session"):
        assert secret not in text, secret


def test_an_error_in_the_dispatcher_is_reported_without_the_client(sentry, practice, settings):
    followup = FollowUpFactory(
        client__practice=practice,
        client__first_name="Robin",
        client__last_name="Hale",
        client__email="robin@example.com",
        client__email_consent=True,
        client__allergies="Nut oils",
        channel=Channel.EMAIL,
    )
    real = channels.EmailChannel.send

    def breaks(self, followup):
        who = followup.client.full_name
        raise KeyError(f"no template for {who} <{followup.client.email}>")

    channels.EmailChannel.send = breaks
    try:
        tasks.dispatch_due.apply()  # the dispatcher logs the error and goes on
    finally:
        channels.EmailChannel.send = real

    assert followup.client.full_name == "Robin Hale"
    text = sent_text(sentry)
    assert "KeyError" in text
    for secret in SECRETS:
        assert secret not in text, secret


def test_without_a_dsn_the_sdk_is_not_even_loaded():
    environment = {key: value for key, value in os.environ.items() if key != "SENTRY_DSN"}
    code = (
        "import django, sys; django.setup(); import practice.urls; "
        "print('sentry_sdk' in sys.modules)"
    )
    found = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**environment, "DJANGO_SETTINGS_MODULE": "practice.settings"},
        check=True,
    )
    assert found.stdout.strip() == "False"
