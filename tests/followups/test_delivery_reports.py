"""What the providers report after accepting a message, posted as they post it: Mailgun's
tracking webhook (signed with the webhook signing key, as Mailgun signs it), Postmark's
bounce webhook (basic auth) and Twilio's status callback (signed with the auth token)."""

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time

import pytest
from django.core import mail
from django.urls import reverse
from twilio.request_validator import RequestValidator

from followups import dispatch, rules
from followups.models import Channel, FollowUp, Kind

from ..factories import ClientFactory, FollowUpFactory

SIGNING_KEY = "key-mailgun-webhook-signing-0123456789"
Status = FollowUp.Status


@pytest.fixture
def providers(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.QUIET_HOURS = (24, 0)


@pytest.fixture
def robin(practice):
    return ClientFactory(
        practice=practice,
        first_name="Robin",
        email="robin@example.com",
        email_consent=True,
        mobile="+447400123456",
        sms_consent=True,
        preferred_channel="email",
    )


def mailgun(client, event_data, key=SIGNING_KEY):
    """Post a Mailgun webhook (JSON, with its signature block) as Mailgun does."""
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    body = {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature.hexdigest()},
        "event-data": event_data,
    }
    return client.post(
        reverse("followups:mailgun_tracking"), json.dumps(body), content_type="application/json"
    )


def mailgun_event(event, followup, **extra):
    """Mailgun's documented shape of a tracking event, for one message we sent."""
    return {
        "event": event,
        "id": secrets.token_urlsafe(16),
        "timestamp": time.time(),
        "recipient": followup.to,
        "message": {"headers": {"message-id": "20261202.1234@mg.example.com"}},
        "user-variables": {"followup": str(followup.public_id)},
        **extra,
    }


def sent_email(client):
    followup = FollowUpFactory(client=client, kind=Kind.COMPLAINT)
    assert dispatch.dispatch() == 1
    followup.refresh_from_db()
    assert followup.status == Status.SENT
    return followup


def test_a_sent_e_mail_carries_our_id_for_the_provider_to_echo(providers, robin):
    followup = sent_email(robin)

    [message] = mail.outbox
    assert message.metadata == {"followup": str(followup.public_id)}
    assert followup.provider_id == str(message.anymail_status.message_id)


def test_a_delivered_report_marks_the_message_delivered(providers, robin, client):
    followup = sent_email(robin)

    assert mailgun(client, mailgun_event("delivered", followup)).status_code == 200

    followup.refresh_from_db()
    assert followup.delivered_at is not None and followup.status == Status.SENT


def test_a_hard_bounce_marks_the_address_and_the_next_message_goes_by_text(
    providers, robin, client, owner_client
):
    followup = sent_email(robin)
    bounce = mailgun_event(
        "failed",
        followup,
        severity="permanent",
        reason="bounce",
        **{"delivery-status": {"code": 550, "message": "5.1.1 No such user", "description": ""}},
    )

    assert mailgun(client, bounce).status_code == 200

    followup.refresh_from_db()
    robin.refresh_from_db()
    assert followup.status == Status.FAILED
    assert "No such user" in followup.last_error
    assert robin.bounced("email")["address"] == "robin@example.com"
    assert rules.choose_channel(robin) == Channel.SMS
    page = owner_client.get(reverse("clients:detail", args=[robin.public_id])).content.decode()
    assert "Could not be delivered on" in page and "No such user" in page
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "cannot be reached by e-mail" in dashboard

    following = FollowUpFactory(client=robin, kind=Kind.COMPLAINT)
    dispatch.dispatch()
    following.refresh_from_db()
    assert (following.status, following.channel) == (Status.SENT, Channel.SMS)

    robin.email = "robin.new@example.com"  # corrected: e-mails may go again
    robin.save()
    assert rules.choose_channel(robin) == Channel.EMAIL


def test_a_temporary_failure_changes_nothing(providers, robin, client):
    followup = sent_email(robin)
    deferred = mailgun_event("failed", followup, severity="temporary", reason="generic")

    assert mailgun(client, deferred).status_code == 200

    followup.refresh_from_db()
    robin.refresh_from_db()
    assert followup.status == Status.SENT and robin.undeliverable == {}


def test_a_report_not_signed_with_our_key_is_refused(providers, robin, client):
    followup = sent_email(robin)
    bounce = mailgun_event("failed", followup, severity="permanent", reason="bounce")

    response = mailgun(client, bounce, key="somebody-else-s-key")

    followup.refresh_from_db()
    robin.refresh_from_db()
    assert response.status_code == 400
    assert followup.status == Status.SENT and robin.undeliverable == {}


def test_a_provider_that_is_not_set_up_has_no_report_url(providers, settings, client):
    settings.ANYMAIL = {}

    response = client.post(
        reverse("followups:mailgun_tracking"), "{}", content_type="application/json"
    )

    assert response.status_code == 404


def test_a_postmark_bounce_with_basic_auth(providers, settings, robin, client):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "reports:s3cret-basic-auth"}
    followup = sent_email(robin)
    body = {  # Postmark's documented bounce webhook
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": followup.provider_id,
        "Metadata": {"followup": str(followup.public_id)},
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "robin@example.com",
        "BouncedAt": "2026-12-02T10:00:00Z",
        "Inactive": True,
        "Subject": followup.subject,
    }
    url = reverse("followups:postmark_tracking")
    wrong = base64.b64encode(b"reports:wrong").decode()
    right = base64.b64encode(b"reports:s3cret-basic-auth").decode()

    refused = client.post(
        url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Basic {wrong}"
    )
    robin.refresh_from_db()
    assert refused.status_code == 400 and robin.undeliverable == {}

    taken = client.post(
        url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Basic {right}"
    )
    robin.refresh_from_db()
    assert taken.status_code == 200
    assert robin.bounced("email") is not None


def twilio_status(client, sid, status, error_code=""):
    url = "http://testserver" + reverse("followups:sms_status")
    params = {"MessageSid": sid, "MessageStatus": status, "ErrorCode": error_code}
    signature = RequestValidator("test-auth-token").compute_signature(url, params)
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_number_that_cannot_take_texts_is_marked_and_the_next_message_is_e_mailed(
    providers, robin, client
):
    robin.preferred_channel = "sms"
    robin.save()
    texted = FollowUpFactory(
        client=robin, channel="sms", status="sent", provider_id="SM1", to="+447400123456"
    )

    assert twilio_status(client, "SM1", "undelivered", "30006").status_code == 204  # landline

    texted.refresh_from_db()
    robin.refresh_from_db()
    assert texted.status == Status.FAILED and "30006" in texted.last_error
    assert robin.bounced("sms")["address"] == "+447400123456"
    assert rules.choose_channel(robin) == Channel.EMAIL

    robin.email_consent = False  # and with no other channel agreed, a to-do
    robin.save()
    assert rules.choose_channel(robin) == Channel.TASK


def test_a_text_that_failed_for_a_passing_reason_leaves_the_number_alone(providers, robin, client):
    texted = FollowUpFactory(
        client=robin, channel="sms", status="sent", provider_id="SM2", to="+447400123456"
    )

    twilio_status(client, "SM2", "undelivered", "30003")  # phone switched off

    texted.refresh_from_db()
    robin.refresh_from_db()
    assert texted.status == Status.FAILED
    assert robin.undeliverable == {}


def test_a_bounce_for_an_address_the_client_no_longer_has_is_ignored(providers, robin, client):
    followup = sent_email(robin)
    robin.email = "robin.new@example.com"
    robin.save()
    bounce = mailgun_event("failed", followup, severity="permanent", reason="bounce")

    mailgun(client, bounce)

    robin.refresh_from_db()
    assert robin.undeliverable == {} and rules.choose_channel(robin) == Channel.EMAIL


def test_erasing_a_client_forgets_what_bounced(providers, robin, client):
    from clients.erasure import erase_client

    robin.mark_undeliverable("email", "robin@example.com", "no such user", datetime.datetime.now())
    erase_client(robin)

    robin.refresh_from_db()
    assert robin.undeliverable == {}
