"""Nothing stale is sent: every kind has a limit past which it is skipped with the reason,
when it is planned and again when it is due. History entered after the fact messages
nobody."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clients import importing
from followups import dispatch
from followups.models import FollowUp, Kind, Rule
from sessions import services as sessions
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)
Status = FollowUp.Status


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client_ok(practice):
    return ClientFactory(
        practice=practice, first_name="Maya", email_consent=True, preferred_channel="email"
    )


def days_ago(days, hour=10):
    return (NOW - datetime.timedelta(days=days)).replace(hour=hour)


def rows(**filters):
    return list(FollowUp.objects.filter(**filters).order_by("due_at", "pk"))


def test_completing_a_session_of_nine_days_ago_sends_nothing(client_ok):
    appointment = AppointmentFactory(client=client_ok, start=days_ago(9))

    sessions.change_status(appointment, Appointment.Status.COMPLETED, by=None)
    dispatch.dispatch()

    assert mail.outbox == []
    checkin, thank_you = rows(kind__in=[Kind.CHECKIN, Kind.THANK_YOU])
    assert {checkin.status, thank_you.status} == {Status.SKIPPED}
    assert "a check-in goes out within a day of its planned time" in checkin.skip_reason
    assert "after the first visit" in thank_you.skip_reason


def test_a_client_entered_with_past_sessions_gets_no_message(practice):
    client = ClientFactory(
        practice=practice, email_consent=True, sms_consent=True, mobile="+447911123456"
    )
    for days in (120, 90, 60):
        appointment = AppointmentFactory(client=client, start=days_ago(days))
        sessions.change_status(appointment, Appointment.Status.COMPLETED, by=None)
    cancelled = AppointmentFactory(client=client, start=days_ago(30))
    sessions.change_status(cancelled, Appointment.Status.CANCELLED_CLIENT, by=None)

    assert dispatch.dispatch() == 0

    assert mail.outbox == []
    planned = rows(client=client)
    assert len(planned) == 7  # three check-ins, a thank-you, three cancellation follow-ups
    assert {f.status for f in planned} == {Status.SKIPPED}
    assert all(f.skip_reason.startswith("too late to be useful") for f in planned)


def test_a_session_completed_the_same_evening_still_gets_its_check_in(client_ok):
    appointment = AppointmentFactory(client=client_ok, start=days_ago(1, hour=18))

    sessions.change_status(appointment, Appointment.Status.COMPLETED, by=None)
    dispatch.dispatch()

    [checkin] = rows(kind=Kind.CHECKIN)
    assert checkin.status == Status.SENT
    assert "How are you feeling after your massage?" in [m.subject for m in mail.outbox]


def test_cancellation_follow_ups_count_from_the_cancellation(client_ok):
    # Cancelled an hour ago, for a session next week: the first message goes today.
    upcoming = AppointmentFactory(client=client_ok, start=NOW + datetime.timedelta(days=7))
    sessions.change_status(upcoming, Appointment.Status.CANCELLED_CLIENT, by=None)
    # Entered today as cancelled, for a session three weeks ago: history.
    old = AppointmentFactory(client=client_ok, start=days_ago(21))
    sessions.change_status(old, Appointment.Status.CANCELLED_CLIENT, by=None)

    assert [f.status for f in rows(appointment=upcoming, kind=Kind.CANCELLATION)] == [
        Status.SCHEDULED
    ] * 3
    assert [f.status for f in rows(appointment=old, kind=Kind.CANCELLATION)] == [Status.SKIPPED] * 3


def test_a_check_in_three_days_late_after_an_outage_is_skipped(client_ok):
    appointment = AppointmentFactory(client=client_ok, start=NOW - datetime.timedelta(hours=2))
    sessions.change_status(appointment, Appointment.Status.COMPLETED, by=None)
    [checkin] = rows(kind=Kind.CHECKIN)
    assert checkin.status == Status.SCHEDULED

    # No worker ran for three days after it fell due.
    with time_machine.travel(checkin.due_at + datetime.timedelta(days=3), tick=False):
        dispatch.dispatch()

    checkin.refresh_from_db()
    assert checkin.status == Status.SKIPPED
    assert checkin.skip_reason.startswith("too late to be useful")
    assert checkin.sent_at is None
    assert not [m for m in mail.outbox if "feeling" in m.subject]


def test_a_practice_that_checks_in_after_three_days_still_checks_in(client_ok, practice):
    Rule.objects.create(practice=practice, kind=Kind.CHECKIN, days=3)
    appointment = AppointmentFactory(client=client_ok, start=NOW - datetime.timedelta(hours=2))
    sessions.change_status(appointment, Appointment.Status.COMPLETED, by=None)
    [checkin] = rows(kind=Kind.CHECKIN)

    with time_machine.travel(checkin.due_at + datetime.timedelta(minutes=1), tick=False):
        dispatch.dispatch()

    checkin.refresh_from_db()
    assert checkin.due_at - appointment.end <= datetime.timedelta(days=3)
    assert checkin.status == Status.SENT


def test_a_reminder_is_never_sent_after_its_session_started(client_ok):
    start = NOW + datetime.timedelta(days=2)
    AppointmentFactory(client=client_ok, start=start)
    [reminder] = rows(kind=Kind.REMINDER)

    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        dispatch.dispatch()

    reminder.refresh_from_db()
    assert reminder.status == Status.SKIPPED
    assert "before the session starts" in reminder.skip_reason
    assert mail.outbox == []
    assert not reminder.may_send_anyway


def test_the_therapist_sees_what_was_skipped_and_may_send_it_on_purpose(owner_client, client_ok):
    appointment = AppointmentFactory(client=client_ok, start=days_ago(9))
    sessions.change_status(appointment, Appointment.Status.COMPLETED, by=None)
    checkin = rows(kind=Kind.CHECKIN)[0]

    page = owner_client.get(reverse("followups:list") + "?show=skipped").content.decode()
    assert "too late to be useful: a check-in goes out within a day of its planned time" in page
    assert reverse("followups:send_anyway", args=[checkin.public_id]) in page

    response = owner_client.post(reverse("followups:send_anyway", args=[checkin.public_id]))
    assert response.status_code == 302
    dispatch.dispatch()

    checkin.refresh_from_db()
    assert checkin.status == Status.SENT
    assert [m.to for m in mail.outbox] == [[client_ok.email]]
    # Once only: a second press changes nothing.
    owner_client.post(reverse("followups:send_anyway", args=[checkin.public_id]))
    dispatch.dispatch()
    assert len(mail.outbox) == 1


def test_importing_clients_from_a_file_plans_no_message(practice):
    csv = "First name,Last name,Email,Mobile\nAna,Silva,ana@example.com,07911 123456\n"
    preview = importing.preview(io.StringIO(csv).read(), practice)

    importing.import_clients(preview, practice)
    dispatch.dispatch()

    assert FollowUp.objects.filter(practice=practice).count() == 0
    assert mail.outbox == []
