import datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from twilio.request_validator import RequestValidator

from clients.models import ConsentEvent
from followups import dispatch
from followups.models import FollowUp
from followups.wording import unsubscribe_token
from sessions.models import BookingLink

from ..factories import AppointmentFactory, CheckInFactory, ClientFactory


@pytest.fixture
def checkin_and_token(practice, owner):
    return CheckInFactory.with_token(practice, appointment__client__first_name="Robin")


def test_a_client_answers_better_in_one_tap(client, checkin_and_token, owner_client):
    checkin, token = checkin_and_token

    page = client.get(reverse("checkin_reply", args=[token]))
    assert "How do you feel after your massage, Robin?" in page.content.decode()
    client.post(reverse("checkin_reply", args=[token]), {"answer": "better", "comment": "Great"})

    checkin.refresh_from_db()
    assert (checkin.answer, checkin.comment, checkin.alerted_at) == ("better", "Great", None)
    assert mail.outbox == []


def test_worse_alerts_the_therapist_at_once(
    client, checkin_and_token, owner, owner_client, django_capture_on_commit_callbacks
):
    checkin, token = checkin_and_token

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("checkin_reply", args=[token]),
            {"answer": "worse", "comment": "Sharp pain in my back since last night"},
        )

    assert "has been told and will contact you today" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.alerted_at is not None
    dispatch.dispatch()  # the alert goes through the outbox like every message
    [alert] = mail.outbox
    assert alert.to == [owner.email]
    assert "Robin feels worse" in alert.subject
    assert "Sharp pain in my back" in alert.body
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "feels worse" in dashboard and "Sharp pain in my back" in dashboard

    owner_client.post(reverse("followups:checkin_seen", args=[checkin.public_id]))
    assert "feels worse" not in owner_client.get(reverse("dashboard")).content.decode()


def test_a_second_worse_does_not_alert_twice(
    client, checkin_and_token, django_capture_on_commit_callbacks
):
    _, token = checkin_and_token
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("checkin_reply", args=[token]), {"answer": "worse"})
        client.post(reverse("checkin_reply", args=[token]), {"answer": "worse", "comment": "+"})
    dispatch.dispatch()

    assert len(mail.outbox) == 1


def answer(client, token, value, comment=""):
    return client.post(
        reverse("checkin_reply", args=[token]), {"answer": value, "comment": comment}
    )


def test_a_check_in_link_answers_once_then_shows_the_answer(
    client, checkin_and_token, django_capture_on_commit_callbacks
):
    checkin, token = checkin_and_token
    answer(client, token, "better", "Much looser")

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        with django_capture_on_commit_callbacks(execute=True):
            late = answer(client, token, "worse", "changed my mind")
        page = client.get(reverse("checkin_reply", args=[token])).content.decode()

    assert "This link has done its job" in late.content.decode()
    checkin.refresh_from_db()
    assert (checkin.answer, checkin.comment, checkin.alerted_at) == ("better", "Much looser", None)
    assert not FollowUp.objects.filter(kind="worse_alert").exists()
    assert "You told us you feel <strong>better</strong>" in page and "<button" not in page


def test_a_change_of_mind_within_the_hour_is_kept_as_one_and_alerts_once(
    client, checkin_and_token, django_capture_on_commit_callbacks
):
    checkin, token = checkin_and_token
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, token, "better")
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
            answer(client, token, "worse", "It hurts after all")
            third = answer(client, token, "worse", "and again")

    checkin.refresh_from_db()
    assert (checkin.first_answer, checkin.answer) == ("better", "worse")
    assert checkin.changed_at is not None and checkin.comment == "It hurts after all"
    assert "This link has done its job" in third.content.decode()
    assert FollowUp.objects.filter(kind="worse_alert").count() == 1


def test_a_check_in_link_closes_a_week_after_the_session(client, checkin_and_token):
    checkin, token = checkin_and_token
    with time_machine.travel(checkin.appointment.start + datetime.timedelta(days=7, minutes=1)):
        page = client.get(reverse("checkin_reply", args=[token])).content.decode()
        answer(client, token, "worse")

    assert "This check-in has closed" in page
    checkin.refresh_from_db()
    assert checkin.answered_at is None


def test_the_thanks_page_gives_one_booking_link_per_check_in(client, checkin_and_token, practice):
    practice.online_booking = True
    practice.save()
    checkin, token = checkin_and_token
    first = answer(client, token, "better").context["book_url"]
    second = answer(client, token, "same").context["book_url"]

    assert first == second
    assert BookingLink.objects.filter(client=checkin.client).count() == 1
    assert client.get(urlsplit(first).path).status_code == 200


def test_a_wrong_check_in_link_is_not_found(client, db):
    assert client.get(reverse("checkin_reply", args=["nope-" * 6])).status_code == 404


def test_unsubscribe_asks_then_withdraws_e_mail_consent(client, practice):
    robin = ClientFactory(practice=practice, email_consent=True)
    url = reverse("unsubscribe", args=[unsubscribe_token(robin, "email")])

    assert "Stop e-mails from Calm Hands?" in client.get(url).content.decode()
    robin.refresh_from_db()
    assert robin.email_consent  # a GET (a mail scanner) changes nothing

    client.post(url)
    robin.refresh_from_db()
    assert not robin.email_consent
    assert ConsentEvent.objects.get(client=robin).how == "unsubscribe link"


def test_one_click_unsubscribe_works_without_a_form(practice):
    robin = ClientFactory(practice=practice, email_consent=True)
    mail_program = Browser(enforce_csrf_checks=True)

    response = mail_program.post(
        reverse("unsubscribe", args=[unsubscribe_token(robin, "email")]),
        {"List-Unsubscribe": "One-Click"},
    )

    assert response.status_code == 200
    robin.refresh_from_db()
    assert not robin.email_consent


def test_a_forged_unsubscribe_token_is_not_found(client, practice):
    robin = ClientFactory(practice=practice)
    token = unsubscribe_token(robin, "email")[:-2] + "xx"
    assert client.get(reverse("unsubscribe", args=[token])).status_code == 404


def twilio_post(client, settings, body, number="+447911123456", signature=None):
    url = "http://testserver" + reverse("followups:inbound_sms")
    params = {"From": number, "Body": body, "To": "+441234567890"}
    if signature is None:
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_stop_and_start_by_text_change_text_consent(client, practice, other_practice, settings):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    mine = ClientFactory(practice=practice, mobile="+447911123456", sms_consent=True)
    theirs = ClientFactory(practice=other_practice, mobile="+447911123456", sms_consent=True)

    assert twilio_post(client, settings, "STOP").status_code == 200
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert not mine.sms_consent and not theirs.sms_consent
    assert ConsentEvent.objects.filter(client=mine).first().how == "replied STOP by text"

    twilio_post(client, settings, "start please")
    mine.refresh_from_db()
    assert mine.sms_consent


def test_an_inbound_text_without_a_valid_signature_is_refused(client, practice, settings):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    robin = ClientFactory(practice=practice, mobile="+447911123456", sms_consent=True)

    response = twilio_post(client, settings, "STOP", signature="forged")

    assert response.status_code == 403
    robin.refresh_from_db()
    assert robin.sms_consent


def test_twilio_delivery_reports_mark_texts_delivered_or_failed(client, practice, settings):
    from followups.models import FollowUp

    from ..factories import FollowUpFactory

    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    robin = ClientFactory(practice=practice)
    ok = FollowUpFactory(client=robin, channel="sms", status="sent", provider_id="SM1")
    bad = FollowUpFactory(client=robin, channel="sms", status="sent", provider_id="SM2")
    url = "http://testserver" + reverse("followups:sms_status")

    for sid, status in (("SM1", "delivered"), ("SM2", "undelivered")):
        params = {"MessageSid": sid, "MessageStatus": status}
        signature = RequestValidator("test-auth-token").compute_signature(url, params)
        assert client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 204
    forged = client.post(
        url, {"MessageSid": "SM1", "MessageStatus": "failed"}, HTTP_X_TWILIO_SIGNATURE="forged"
    )

    ok.refresh_from_db()
    bad.refresh_from_db()
    assert forged.status_code == 403
    assert ok.delivered_at is not None and ok.status == FollowUp.Status.SENT
    assert bad.status == FollowUp.Status.FAILED
    assert "undelivered" in bad.last_error


TWILIO = "followups.channels.TwilioSmsBackend"


def test_with_no_twilio_token_a_text_is_kept_for_the_therapist_and_not_acted_on(
    client, owner_client, practice, settings
):
    settings.SMS_BACKEND, settings.TWILIO_AUTH_TOKEN = TWILIO, ""
    robin = ClientFactory(practice=practice, mobile="+447911123456", sms_consent=True)

    response = twilio_post(client, settings, "STOP please", signature="anything")

    assert response.status_code == 403
    robin.refresh_from_db()
    assert robin.sms_consent  # never acted on
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "Texts from clients cannot be checked (TWILIO_AUTH_TOKEN is not set)" in dashboard
    assert (
        f'A text came from the number of <a href="'
        f'{reverse("clients:detail", args=[robin.public_id])}">' in dashboard
    )
    assert "STOP please" not in dashboard  # anyone could have sent those words
    health = client.get(reverse("health")).content.decode()
    assert health == (
        "ok\nwarning: texts from clients cannot be verified: TWILIO_AUTH_TOKEN is not set\n"
    )


def test_a_text_with_a_bad_signature_is_kept_with_the_reason(
    client, practice, other_practice, settings
):
    from followups.models import UnverifiedText

    settings.SMS_BACKEND, settings.TWILIO_AUTH_TOKEN = TWILIO, "test-auth-token"
    ClientFactory(practice=practice, mobile="+447911123456")
    ClientFactory(practice=other_practice, mobile="+447911123456")

    twilio_post(client, settings, "STOP", signature="forged")
    twilio_post(client, settings, "Hello", number="+447700900000", signature="forged")

    with scopes_disabled():
        kept = list(UnverifiedText.objects.values_list("practice", "reason"))
    assert sorted(kept) == sorted(
        [
            (practice.pk, "its signature did not match"),
            (other_practice.pk, "its signature did not match"),
        ]
    )
    assert client.get(reverse("health")).content.decode() == "ok\n"


def test_a_forged_text_s_words_are_not_shown_under_the_client_s_name(
    client, owner_client, practice, settings
):
    settings.SMS_BACKEND, settings.TWILIO_AUTH_TOKEN = TWILIO, "test-auth-token"
    ClientFactory(practice=practice, mobile="+447911123456", first_name="Robin")

    forged = "Robin here: I was hurt at my last session and I am calling my lawyer"
    assert twilio_post(client, settings, forged, signature="forged").status_code == 403

    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "could not be checked" in dashboard and "Robin" in dashboard
    assert "lawyer" not in dashboard


def test_another_practices_unverified_text_is_not_on_my_dashboard(
    client, owner_client, practice, other_practice, settings
):
    settings.SMS_BACKEND, settings.TWILIO_AUTH_TOKEN = TWILIO, ""
    ClientFactory(practice=other_practice, mobile="+447911123456")

    twilio_post(client, settings, "STOP", signature="x")

    assert (
        "A text came from the number" not in owner_client.get(reverse("dashboard")).content.decode()
    )


def test_an_alert_the_mail_server_refused_is_retried_and_then_sent(
    client, checkin_and_token, owner, settings, django_capture_on_commit_callbacks
):
    from followups.models import FollowUp, Kind

    from .test_dispatch import FlakyBackend

    settings.EMAIL_BACKEND = "tests.followups.test_dispatch.FlakyBackend"
    FlakyBackend.fail, FlakyBackend.permanent = 1, False
    _, token = checkin_and_token
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("checkin_reply", args=[token]), {"answer": "worse"})

    dispatch.dispatch()
    alert = FollowUp.objects.get(kind=Kind.WORSE_ALERT)
    assert (alert.status, alert.attempts, mail.outbox) == ("scheduled", 1, [])
    assert "connection lost" in alert.last_error

    alert.due_at = alert.created_at  # the back-off has passed
    alert.save(update_fields=["due_at"])
    dispatch.dispatch()
    alert.refresh_from_db()
    assert alert.status == "sent" and alert.to == owner.email
    assert [m.to for m in mail.outbox] == [[owner.email]]


def reminded_by_text(practice, settings):
    """A client whose text reminder for tomorrow's session went out."""
    settings.SMS_BACKEND = "followups.channels.TwilioSmsBackend"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    robin = ClientFactory(
        practice=practice,
        first_name="Robin",
        mobile="+447911123456",
        sms_consent=True,
        preferred_channel="sms",
    )
    appointment = AppointmentFactory(
        client=robin, start=timezone.now() + datetime.timedelta(hours=20)
    )
    reminder = FollowUp.objects.get(appointment=appointment, kind="reminder")
    FollowUp.objects.filter(pk=reminder.pk).update(status="sent", sent_at=timezone.now())
    return robin, appointment


def test_replying_c_to_a_text_reminder_confirms_the_session(
    client, practice, owner_client, settings
):
    _, appointment = reminded_by_text(practice, settings)

    assert twilio_post(client, settings, "c.").status_code == 200

    appointment.refresh_from_db()
    assert appointment.confirmed_at is not None
    day = owner_client.get(
        reverse("sessions:day") + f"?date={appointment.start.astimezone():%Y-%m-%d}"
    )
    assert "confirmed by the client" in day.content.decode()


def test_any_other_reply_is_a_to_do_for_the_practice_that_texted(
    client, practice, other_practice, owner_client, settings
):
    robin, appointment = reminded_by_text(practice, settings)
    ClientFactory(practice=other_practice, mobile="+447911123456")  # same number elsewhere

    twilio_post(client, settings, "Can we make it 11 instead? <Robin>")
    dispatch.dispatch()

    appointment.refresh_from_db()
    assert appointment.confirmed_at is None
    with scopes_disabled():
        todos = FollowUp.objects.filter(kind="text_reply")
        assert [(t.practice, t.client, t.status) for t in todos] == [(practice, robin, "sent")]
    page = owner_client.get(reverse("followups:todo")).content.decode()
    assert "they replied by text" in page
    assert "Can we make it 11 instead? &lt;Robin&gt;" in page  # escaped once


def test_c_with_nothing_to_confirm_reaches_the_therapist(client, practice, settings):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    ClientFactory(practice=practice, mobile="+447911123456")
    twilio_post(client, settings, "C")
    with scopes_disabled():
        assert FollowUp.objects.get(kind="text_reply").body == "C"
