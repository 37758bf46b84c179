import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from followups import planning, rules
from followups.models import Channel, FollowUp, Kind
from sessions import services as sessions
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
Status = Appointment.Status


@pytest.fixture
def client_ok(practice):
    return ClientFactory(practice=practice, email_consent=True, preferred_channel="email")


def planned(kind, **filters):
    return list(FollowUp.objects.filter(kind=kind, **filters).order_by("due_at"))


def test_a_completed_session_plans_a_check_in_next_day_at_ten(practice, client_ok):
    start = datetime.datetime(2026, 11, 20, 18, 0, tzinfo=LONDON)
    appointment = AppointmentFactory(client=client_ok, start=start)

    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        sessions.change_status(appointment, Status.COMPLETED, by=None)

    [checkin] = planned(Kind.CHECKIN)
    assert checkin.status == FollowUp.Status.SCHEDULED
    assert checkin.due_at == datetime.datetime(2026, 11, 21, 10, 0, tzinfo=LONDON)
    assert checkin.channel == Channel.EMAIL
    assert checkin.appointment == appointment


def test_an_early_session_still_gets_its_check_in_within_24_hours(practice, client_ok):
    start = datetime.datetime(2026, 11, 20, 7, 30, tzinfo=LONDON)  # ends 08:30
    appointment = AppointmentFactory(client=client_ok, start=start, duration_minutes=60)

    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        sessions.change_status(appointment, Status.COMPLETED, by=None)

    [checkin] = planned(Kind.CHECKIN)
    assert checkin.due_at == datetime.datetime(2026, 11, 21, 8, 30, tzinfo=LONDON)


@pytest.fixture
def texted(practice, settings):
    """A client who prefers texts, with the usual quiet hours (20:00 to 09:00)."""
    settings.QUIET_HOURS = (20, 9)
    return ClientFactory(
        practice=practice, mobile="+447400123456", sms_consent=True, preferred_channel="sms"
    )


@pytest.mark.parametrize("hour", range(24))
def test_a_text_check_in_arrives_within_24_hours_whenever_the_session_ends(practice, texted, hour):
    start = datetime.datetime(2026, 11, 20, hour, 15, tzinfo=LONDON)
    appointment = AppointmentFactory(client=texted, start=start, duration_minutes=60)

    with time_machine.travel(appointment.end, tick=False):
        sessions.change_status(appointment, Status.COMPLETED, by=None)

    [checkin] = planned(Kind.CHECKIN)
    assert checkin.channel == Channel.SMS
    assert appointment.end <= checkin.due_at
    assert not rules.in_quiet_hours(checkin.due_at, practice)  # so it goes out then
    assert checkin.due_at - appointment.end <= datetime.timedelta(hours=24)


def test_an_early_session_s_text_check_in_goes_the_same_evening(texted):
    start = datetime.datetime(2026, 11, 20, 7, 30, tzinfo=LONDON)  # ends 08:30
    appointment = AppointmentFactory(client=texted, start=start, duration_minutes=60)

    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        sessions.change_status(appointment, Status.COMPLETED, by=None)

    # 08:30 the next day is in quiet hours: 19:30 the same day instead, not 09:00 (24.5 h).
    [checkin] = planned(Kind.CHECKIN)
    assert checkin.due_at == datetime.datetime(2026, 11, 20, 19, 30, tzinfo=LONDON)


def test_only_the_first_visit_gets_a_thank_you(practice, client_ok):
    first = AppointmentFactory(client=client_ok, start=timezone.now() - datetime.timedelta(days=30))
    second = AppointmentFactory(client=client_ok, start=timezone.now() - datetime.timedelta(days=1))

    sessions.change_status(first, Status.COMPLETED, by=None)
    sessions.change_status(second, Status.COMPLETED, by=None)

    assert [f.appointment for f in planned(Kind.THANK_YOU)] == [first]
    assert len(planned(Kind.CHECKIN)) == 2


def test_a_booking_plans_a_reminder_that_follows_the_session(practice, client_ok):
    start = timezone.now() + datetime.timedelta(days=5)
    appointment = AppointmentFactory(client=client_ok, start=start)
    [reminder] = planned(Kind.REMINDER)
    assert reminder.due_at == start - datetime.timedelta(hours=24)

    sessions.reschedule(appointment, start + datetime.timedelta(days=2), 60)

    reminder.refresh_from_db()
    assert reminder.due_at == start + datetime.timedelta(days=1)
    assert len(planned(Kind.REMINDER)) == 1


def test_a_cancellation_drops_the_reminder_and_plans_three_follow_ups(practice, client_ok):
    appointment = AppointmentFactory(
        client=client_ok, start=timezone.now() + datetime.timedelta(days=2)
    )

    sessions.change_status(appointment, Status.CANCELLED_CLIENT, by=None)

    assert planned(Kind.REMINDER)[0].status == FollowUp.Status.CANCELLED
    sequence = planned(Kind.CANCELLATION)
    assert [f.step for f in sequence] == [0, 1, 2]
    local_days = [timezone.localtime(f.due_at, LONDON).date() for f in sequence]
    today = timezone.localdate(timezone=LONDON)
    assert local_days == [today + datetime.timedelta(days=d) for d in (0, 3, 10)]


def test_booking_again_stops_the_cancellation_sequence(practice, client_ok):
    appointment = AppointmentFactory(client=client_ok)
    sessions.change_status(appointment, Status.CANCELLED_CLIENT, by=None)

    AppointmentFactory(client=client_ok, start=timezone.now() + datetime.timedelta(days=7))

    statuses = {f.status for f in planned(Kind.CANCELLATION)}
    assert statuses == {FollowUp.Status.CANCELLED}


def test_planning_twice_keeps_one_row(practice, client_ok):
    appointment = AppointmentFactory(client=client_ok, status=Status.COMPLETED)

    planning.plan_checkin(appointment)
    planning.plan_checkin(appointment)

    assert len(planned(Kind.CHECKIN)) == 1


def test_a_rule_turned_off_plans_nothing(practice, client_ok):
    rule = rules.rule_for(practice, Kind.CHECKIN)
    rule.enabled = False
    rule.save()
    appointment = AppointmentFactory(client=client_ok)

    sessions.change_status(appointment, Status.COMPLETED, by=None)

    assert planned(Kind.CHECKIN) == []


@pytest.mark.parametrize(
    ("preferred", "email_ok", "sms_ok", "expected"),
    [
        ("email", True, True, Channel.EMAIL),
        ("sms", True, True, Channel.SMS),
        ("email", False, True, Channel.SMS),
        ("sms", True, False, Channel.EMAIL),
        ("email", False, False, Channel.TASK),
        ("phone", True, True, Channel.TASK),
        ("letter", True, True, Channel.TASK),
    ],
)
def test_the_channel_follows_preference_and_consent(
    practice, preferred, email_ok, sms_ok, expected
):
    client = ClientFactory(
        practice=practice,
        preferred_channel=preferred,
        email_consent=email_ok,
        sms_consent=sms_ok,
        mobile="+447911123456",
    )

    assert rules.choose_channel(client) == expected


def test_lapsed_clients_are_found_from_their_own_rhythm(practice):
    today = datetime.date(2026, 11, 23)
    regular = ClientFactory(practice=practice, status="active", first_name="Regular")
    lapsed = ClientFactory(practice=practice, status="active", first_name="Lapsed")
    last_regular = datetime.datetime(2026, 11, 10, 10, 0, tzinfo=LONDON)
    last_lapsed = datetime.datetime(2026, 9, 24, 10, 0, tzinfo=LONDON)  # 60 days ago
    for n in range(4):
        for client, last in ((regular, last_regular), (lapsed, last_lapsed)):
            AppointmentFactory(
                client=client,
                start=last - datetime.timedelta(days=28 * n),
                status=Status.COMPLETED,
                price=60,
            )

    rows = planning.lapsed_clients(practice, today)

    assert [row["client"] for row in rows] == [lapsed]
    row = rows[0]
    assert (row["interval_days"], row["days_since"]) == (28, 60)
    assert row["revenue_at_risk"] == round(60 * 365 / 28, 2)
    assert [f.client for f in planning.plan_lapsed(practice, today)] == [lapsed]
    assert planning.plan_lapsed(practice, today) == [planned(Kind.LAPSED)[0]]


def test_insurance_reminders_come_30_and_7_days_before(practice):
    practice.insurance_expires_on = datetime.date(2027, 1, 31)
    practice.email = "hello@calmhands.example"
    practice.save()

    rows = planning.plan_insurance(practice, today=datetime.date(2026, 11, 23))

    days = sorted(timezone.localtime(f.due_at, LONDON).date() for f in rows)
    assert days == [datetime.date(2027, 1, 1), datetime.date(2027, 1, 24)]
    assert all(f.client is None and f.channel == Channel.EMAIL for f in rows)
