"""A health re-check before each visit: the reminder's link, "nothing changed" in one
tap, a full form once the last is too old, and a new red flag told before the session."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse

from clients import rechecks
from clients.models import Client, HealthCheck, IntakeSubmission
from clients.services import apply_submission
from followups import dispatch, sms
from followups.models import FollowUp, Kind
from sessions.models import Appointment
from sessions.services import change_status

from ..clients.test_intake import intake_data
from ..factories import AppointmentFactory, ClientFactory, IntakeSubmissionFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 9, 23, 12, 0, tzinfo=LONDON)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def robin(practice, owner, settings, tmp_path):
    """A returning client: her form 60 days old, a visit 30 days ago, one tomorrow."""
    settings.SITE_URL = "https://book.calmhands.example"
    settings.SMS_FILE = str(tmp_path / "sms.log")
    practice.time_zone = "Europe/London"
    practice.save()
    client = ClientFactory(
        practice=practice,
        first_name="Robin",
        last_name="Hale",
        email="robin@example.com",
        mobile="+447911123456",
        sms_consent=True,
        email_consent=True,
        preferred_channel="sms",
    )
    given = NOW - 60 * DAY
    IntakeSubmissionFactory(client=client, submitted_at=given, answers={"conditions": []})
    Client.objects.filter(pk=client.pk).update(intake_completed_at=given, health_checked_at=given)
    client.refresh_from_db()
    AppointmentFactory(client=client, start=NOW - 30 * DAY, status=Appointment.Status.COMPLETED)
    return client


@pytest.fixture
def tomorrow(robin):
    """Booked: its reminder is planned for now, by the client's channel."""
    return AppointmentFactory(client=robin, start=NOW + DAY)


def by_email(client):
    client.preferred_channel = "email"
    client.save()


def sent_texts(settings):
    with open(settings.SMS_FILE) as log:
        return log.read()


def link_in(text, prefix="https://book.calmhands.example"):
    return re.search(rf"{re.escape(prefix)}(/\S+)", text).group(1)


def test_the_reminder_asks_a_returning_client_whether_anything_changed(
    robin, tomorrow, settings, owner_client
):
    dispatch.dispatch()
    text = sent_texts(settings)
    assert "Health changed? https://book.calmhands.example/hc/" in text
    assert sms.measure(text.split("\n", 1)[1].rsplit("\n---", 1)[0]).segments == 1
    path = link_in(text)

    phone = Browser()
    page = phone.get(path).content.decode()
    assert "Has anything changed since your last visit?" in page
    day = owner_client.get(reverse("sessions:day"), {"date": "2026-09-24"}).content.decode()
    assert "Not re-checked since the last visit" in day

    done = phone.post(path)
    assert "now knows that nothing has changed" in done.content.decode()
    check = HealthCheck.objects.get()
    assert (check.client, check.changed, check.ip_address) == (robin, False, "127.0.0.1")
    phone.post(path)  # a second tap the same day records nothing more
    assert HealthCheck.objects.count() == 1

    day = owner_client.get(reverse("sessions:day"), {"date": "2026-09-24"}).content.decode()
    assert "Health re-checked 23 Sept 2026" in day
    session = owner_client.get(reverse("sessions:detail", args=[tomorrow.public_id]))
    assert "Health re-checked 23 Sept 2026" in session.content.decode()
    last_visit = robin.appointments.get(status=Appointment.Status.COMPLETED)
    note_form = owner_client.get(reverse("sessions:note", args=[last_visit.public_id]))
    assert "Intake up to date (25 Jul 2026)" in note_form.content.decode()


def test_an_intake_older_than_the_practices_limit_is_asked_in_full(
    robin, tomorrow, settings, owner_client
):
    robin.practice.intake_max_age_months = 1
    robin.practice.save()
    dispatch.dispatch()
    text = sent_texts(settings)
    assert "Your form: https://book.calmhands.example/intake/" in text
    assert "/hc/" not in text
    day = owner_client.get(reverse("sessions:day"), {"date": "2026-09-24"}).content.decode()
    assert "Intake out of date (given 25 Jul 2026)" in day

    # An old check link says so, and records no "nothing changed".
    path = reverse("intake:check", args=[link_in(text).split("/")[2]])
    page = Browser().post(path).content.decode()
    assert "Time for a fresh health form" in page
    assert not HealthCheck.objects.exists()


def test_a_practice_that_does_not_ask_sends_no_question(robin, settings):
    robin.practice.health_recheck = "off"
    robin.practice.save()
    by_email(robin)
    AppointmentFactory(client=robin, start=NOW + DAY)
    dispatch.dispatch()
    followup = FollowUp.objects.get(kind=Kind.REMINDER)
    assert followup.status == FollowUp.Status.SENT
    assert "anything changed" not in mail.outbox[0].body


def test_a_changed_answer_with_a_new_red_flag_reaches_the_therapist_before_the_session(
    robin, settings, owner, django_capture_on_commit_callbacks
):
    by_email(robin)
    tomorrow = AppointmentFactory(client=robin, start=NOW + DAY)
    dispatch.dispatch()
    reminder = mail.outbox.pop()
    assert "One tap tells us: https://book.calmhands.example/hc/" in reminder.body
    check_path = link_in(reminder.body)

    phone = Browser()
    page = phone.get(check_path).content.decode()
    form_path = re.search(r'href="(/intake/[^"/]+/)"', page).group(1)
    form = phone.get(form_path).content.decode()
    assert "Your earlier answers are filled in" in form
    assert 'value="Robin"' in form  # what she told us before, to change only what did
    version = re.search(r'name="form_version" value="(\d+)"', form).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', form).group(1)
    data = intake_data(
        first_name="Robin", conditions=["blood_clots"], form_version=version, nonce=nonce
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert phone.post(form_path, data).status_code == 302

    robin.refresh_from_db()
    assert robin.health_checked_at == NOW
    assert HealthCheck.objects.get().changed
    alert = FollowUp.objects.get(kind=Kind.HEALTH_ALERT)
    assert (alert.appointment, alert.expires_at) == (tomorrow, tomorrow.start)
    dispatch.dispatch()
    alert.refresh_from_db()
    assert alert.status == FollowUp.Status.SENT
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert (
        message.subject
        == "Robin has a new red flag before their session on Thursday 24 September at 12:00"
    )
    assert "for their session on Thursday 24 September at 12:00, and it now shows" in message.body
    assert "- Blood clots (DVT) now or in the past (may rule massage out)" in message.body
    client_path = link_in(message.body)
    assert client_path == reverse("clients:detail", args=[robin.public_id])


def test_no_alert_for_an_imported_form_one_the_practice_applied_nor_nothing_to_come(
    robin, tomorrow, owner, django_capture_on_commit_callbacks
):
    def send(via, conditions, by=None):
        submission = IntakeSubmissionFactory(
            client=robin, answers={"conditions": conditions}, via=via
        )
        with django_capture_on_commit_callbacks(execute=True):
            apply_submission(submission, by=by)
        return FollowUp.objects.filter(kind=Kind.HEALTH_ALERT).count()

    assert send(IntakeSubmission.Via.IMPORT, ["blood_clots"]) == 0  # history, told to nobody
    assert send(IntakeSubmission.Via.LINK, ["blood_clots", "cancer"]) == 1  # cancer is new
    assert send(IntakeSubmission.Via.LINK, ["cancer"]) == 1  # nothing new
    assert send(IntakeSubmission.Via.PUBLIC_FORM, ["diabetes"], by=owner) == 1  # seen by her
    tomorrow.status = Appointment.Status.CANCELLED_CLIENT
    tomorrow.save()
    assert send(IntakeSubmission.Via.LINK, ["epilepsy"]) == 1  # nothing booked: on her page


@pytest.mark.parametrize(
    ("given", "checked", "previous", "state"),
    [
        (None, None, None, rechecks.OUT_OF_DATE),
        (-400, -400, -30, rechecks.OUT_OF_DATE),  # past 12 months
        (-60, -60, None, rechecks.UP_TO_DATE),  # a first visit
        (-20, -20, -30, rechecks.UP_TO_DATE),  # given since the last visit
        (-60, -2, -30, rechecks.RECHECKED),
        (-60, -60, -30, rechecks.NOT_RECHECKED),
    ],
)
def test_how_a_clients_answers_stand_for_a_session(practice, given, checked, previous, state):
    def at(days):
        return None if days is None else NOW + days * DAY

    status = rechecks.status(
        practice, start=NOW, given=at(given), checked=at(checked), previous_visit=at(previous)
    )
    assert status.state == state


def test_the_practice_may_ask_in_a_message_of_its_own_two_days_before(robin, settings):
    robin.practice.health_recheck = "message"
    robin.practice.save()
    visit = AppointmentFactory(client=robin, start=NOW + 3 * DAY)
    question = FollowUp.objects.get(kind=Kind.HEALTH_CHECK)
    assert (question.due_at, question.expires_at) == (visit.start - 2 * DAY, visit.start)

    with time_machine.travel(visit.start - 2 * DAY, tick=False):
        dispatch.dispatch()
    question.refresh_from_db()
    assert question.status == FollowUp.Status.SENT
    text = sent_texts(settings)
    assert "Hi Robin, any change in your health since your last visit? https://" in text
    assert sms.measure(text.split("\n", 1)[1].rsplit("\n---", 1)[0]).segments == 1
    page = Browser().get(link_in(text)).content.decode()
    assert "Has anything changed since your last visit?" in page

    with time_machine.travel(visit.start - DAY, tick=False):
        dispatch.dispatch()  # the reminder: no second question
    reminder = FollowUp.objects.get(kind=Kind.REMINDER)
    assert reminder.status == FollowUp.Status.SENT and "changed" not in reminder.body


def test_a_form_sent_before_the_message_is_due_leaves_nothing_to_ask(robin, owner):
    robin.practice.health_recheck = "message"
    robin.practice.save()
    visit = AppointmentFactory(client=robin, start=NOW + 3 * DAY)
    apply_submission(IntakeSubmissionFactory(client=robin, answers={"conditions": []}))
    with time_machine.travel(visit.start - 2 * DAY, tick=False):
        dispatch.dispatch()
    question = FollowUp.objects.get(kind=Kind.HEALTH_CHECK)
    assert question.status == FollowUp.Status.SKIPPED
    assert question.skip_reason.startswith("nothing to ask")

    later = AppointmentFactory(client=robin, start=NOW + 10 * DAY)
    change_status(later, Appointment.Status.CANCELLED_CLIENT, by=owner)
    dropped = FollowUp.objects.get(kind=Kind.HEALTH_CHECK, appointment=later)
    assert dropped.status == FollowUp.Status.CANCELLED


def test_the_wording_page_previews_the_question_where_the_practice_asks_it(robin, owner_client):
    robin.practice.health_recheck = "message"
    robin.practice.save()
    own = owner_client.get(reverse("followups:rule", args=["health_check"])).content.decode()
    assert "One tap tells us: https://book.calmhands.example/hc/example-link/" in own
    reminder = owner_client.get(reverse("followups:rule", args=["reminder"])).content.decode()
    assert "/hc/example-link/" not in reminder


def test_a_client_who_already_said_nothing_changed_is_not_asked_again(robin, settings):
    rechecks.nothing_changed(robin)  # from an earlier message, since her last visit
    AppointmentFactory(client=robin, start=NOW + DAY)
    dispatch.dispatch()
    text = sent_texts(settings)
    assert "Hi Robin, see you" in text and "Health changed?" not in text
