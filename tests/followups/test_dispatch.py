import datetime
import email
import email.policy
import re
import smtplib
import threading
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from followups import dispatch
from followups.models import Attempt, Channel, FollowUp, Kind
from practice.services import create_practice
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, FollowUpFactory, UserFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
Status = FollowUp.Status
NOON = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def client_ok(practice, settings):
    settings.SITE_URL = "http://testserver"
    practice.email = "hello@calmhands.example"
    practice.save()
    return ClientFactory(
        practice=practice,
        first_name="Robin",
        email="robin@example.com",
        email_consent=True,
        mobile="+447911123456",
        sms_consent=True,
    )


def checkin_for(client):
    appointment = AppointmentFactory(
        client=client, status=Appointment.Status.COMPLETED, start=NOON - datetime.timedelta(days=1)
    )
    return FollowUpFactory(
        client=client,
        kind=Kind.CHECKIN,
        appointment=appointment,
        due_at=NOON - datetime.timedelta(minutes=1),
        idempotency_key="k1",
    )


@time_machine.travel(NOON, tick=False)
def test_the_e_mail_comes_from_the_practice_and_replies_go_to_it(client_ok, practice):
    practice.name = "Siân's Massage, Leeds"
    practice.save()
    checkin_for(client_ok)

    dispatch.dispatch()

    [message] = mail.outbox
    assert message.reply_to == ["hello@calmhands.example"]
    received = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    [sender] = received["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Siân's Massage, Leeds", "noreply@localhost")


def test_a_new_practice_takes_its_owners_address_for_replies(db):
    owner = UserFactory(email="sian@example.com")

    membership = create_practice(owner, name="Siân's Massage")

    assert membership.practice.email == "sian@example.com"


def test_a_due_check_in_is_e_mailed_as_rendered(client_ok, client):
    followup = checkin_for(client_ok)

    assert dispatch.dispatch() == 1

    followup.refresh_from_db()
    assert followup.status == Status.SENT
    assert followup.to == "robin@example.com"
    assert Attempt.objects.get(followup=followup).ok
    [message] = mail.outbox
    assert message.to == ["robin@example.com"]
    assert message.subject == "How are you feeling after your massage?"
    assert message.reply_to == ["hello@calmhands.example"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == "<k1@followups>"
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert "Hello Robin" in message.body and "Hello Robin" in html
    links = re.findall(r"http://testserver(/\S+)", message.body)
    checkin_path, unsubscribe_path = links[0], links[-1]
    assert checkin_path.startswith("/checkin/") and unsubscribe_path.startswith("/unsubscribe/")
    assert f'href="http://testserver{checkin_path}"' in html
    assert "Stop these e-mails" in html
    assert client.get(checkin_path).status_code == 200
    assert client.get(message.extra_headers["List-Unsubscribe"][1:-1]).status_code == 200


def test_a_text_waits_for_the_end_of_quiet_hours(client_ok, settings, tmp_path):
    settings.SMS_FILE = str(tmp_path / "sms.log")
    client_ok.preferred_channel = "sms"
    client_ok.save()
    followup = checkin_for(client_ok)

    with time_machine.travel(datetime.datetime(2026, 11, 23, 21, 30, tzinfo=LONDON), tick=False):
        dispatch.dispatch()

    followup.refresh_from_db()
    assert followup.status == Status.SCHEDULED
    assert followup.due_at == datetime.datetime(2026, 11, 24, 9, 0, tzinfo=LONDON)
    assert followup.attempts == 0
    with time_machine.travel(datetime.datetime(2026, 11, 24, 9, 1, tzinfo=LONDON), tick=False):
        dispatch.dispatch()
    followup.refresh_from_db()
    assert followup.status == Status.SENT and followup.channel == Channel.SMS
    assert "+447911123456" in (tmp_path / "sms.log").read_text()


def test_a_second_non_urgent_message_on_one_day_waits_until_tomorrow(client_ok):
    FollowUpFactory(
        client=client_ok,
        kind=Kind.THANK_YOU,
        status=Status.SENT,
        sent_at=NOON - datetime.timedelta(hours=1),
    )
    later = FollowUpFactory(client=client_ok, kind=Kind.LAPSED, due_at=NOON)

    dispatch.dispatch()

    later.refresh_from_db()
    assert later.status == Status.SCHEDULED
    assert timezone.localtime(later.due_at, LONDON).date() == datetime.date(2026, 11, 24)


def test_withdrawn_consent_turns_the_message_into_a_to_do(client_ok):
    followup = checkin_for(client_ok)
    client_ok.email_consent = client_ok.sms_consent = False
    client_ok.save()

    dispatch.dispatch()

    followup.refresh_from_db()
    assert (followup.status, followup.channel) == (Status.SENT, Channel.TASK)
    assert mail.outbox == []


def test_a_moved_on_client_gets_no_marketing(client_ok):
    client_ok.status = "moved_on"
    client_ok.save()
    followup = FollowUpFactory(client=client_ok, kind=Kind.LAPSED, due_at=NOON)

    dispatch.dispatch()

    followup.refresh_from_db()
    assert followup.status == Status.SKIPPED
    assert followup.skip_reason == "the client is moved on"


def test_broken_wording_fails_the_row_with_a_readable_error(client_ok, practice):
    from followups.planning import rule_for

    rule = rule_for(practice, Kind.CHECKIN)
    rule.body = "Hello {% if first_name %}"
    rule.save()
    followup = checkin_for(client_ok)
    other = FollowUpFactory(
        client=client_ok,
        kind=Kind.REMINDER,
        due_at=NOON,
        appointment=AppointmentFactory(client=client_ok),
    )

    dispatch.dispatch()

    followup.refresh_from_db()
    other.refresh_from_db()
    assert followup.status == Status.FAILED
    assert followup.last_error.startswith("The message wording has an error")
    assert other.status == Status.SENT  # the tick went on


class FlakyBackend:
    """An e-mail backend whose server refuses the first `fail` messages."""

    fail = 0
    permanent = False

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if FlakyBackend.fail > 0:
            FlakyBackend.fail -= 1
            if FlakyBackend.permanent:
                raise smtplib.SMTPRecipientsRefused({"x": (550, b"no such user")})
            raise smtplib.SMTPServerDisconnected("connection lost")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.fail, FlakyBackend.permanent = 0, False
    return FlakyBackend


def test_a_transient_error_retries_with_back_off(client_ok, flaky):
    flaky.fail = 2
    followup = checkin_for(client_ok)

    dispatch.dispatch()
    followup.refresh_from_db()
    assert (followup.status, followup.attempts) == (Status.SCHEDULED, 1)
    assert followup.due_at == NOON + datetime.timedelta(minutes=1)
    assert "connection lost" in followup.last_error

    with time_machine.travel(NOON + datetime.timedelta(minutes=1), tick=False):
        dispatch.dispatch()
    followup.refresh_from_db()
    assert followup.due_at == NOON + datetime.timedelta(minutes=5)

    with time_machine.travel(NOON + datetime.timedelta(minutes=5), tick=False):
        dispatch.dispatch()
    followup.refresh_from_db()
    assert followup.status == Status.SENT
    assert Attempt.objects.filter(followup=followup).count() == 3
    assert len(mail.outbox) == 1


def test_a_permanent_error_fails_at_once(client_ok, flaky):
    flaky.fail, flaky.permanent = 1, True
    followup = checkin_for(client_ok)

    dispatch.dispatch()

    followup.refresh_from_db()
    assert followup.status == Status.FAILED
    assert "refused" in followup.last_error


def test_it_gives_up_after_the_last_attempt_and_a_retry_sends_it(
    client_ok, flaky, settings, owner_client
):
    settings.FOLLOWUP_MAX_ATTEMPTS = 2
    flaky.fail = 5
    followup = checkin_for(client_ok)
    dispatch.dispatch()
    with time_machine.travel(NOON + datetime.timedelta(minutes=2), tick=False):
        dispatch.dispatch()
    followup.refresh_from_db()
    assert followup.status == Status.FAILED

    flaky.fail = 0
    owner_client.post(f"/followups/{followup.public_id}/retry/")
    dispatch.dispatch()

    followup.refresh_from_db()
    assert followup.status == Status.SENT


def test_a_row_stuck_in_sending_is_claimed_again_after_its_lease(client_ok):
    followup = checkin_for(client_ok)
    assert dispatch.claim() == [followup.pk]  # a worker claims it, then dies

    assert dispatch.claim() == []  # still leased
    later = NOON + datetime.timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        assert dispatch.dispatch() == 1
    followup.refresh_from_db()
    assert (followup.status, followup.attempts) == (Status.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_every_row_once(settings):
    from ..factories import MembershipFactory

    practice = MembershipFactory().practice
    for _ in range(60):
        client = ClientFactory(practice=practice, email_consent=True)
        FollowUpFactory(client=client, kind=Kind.COMPLAINT, due_at=NOON)
    start = threading.Barrier(2)
    results = []

    def run():
        try:
            start.wait()
            results.append(dispatch.dispatch(batch=5))  # small batches interleave
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(results) == 60
    assert FollowUp.objects.filter(status=Status.SENT).count() == 60
    assert Attempt.objects.count() == 60
    sent_to = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(sent_to) == len(set(sent_to)) == 60


def test_a_worker_that_breaks_mid_batch_keeps_each_outcome_with_its_log_and_frees_the_rest(
    client_ok, monkeypatch
):
    followups = [
        FollowUpFactory(client=client_ok, kind=Kind.COMPLAINT, due_at=NOON, idempotency_key=key)
        for key in ("a", "b", "c", "d")
    ]
    finish = dispatch.finish
    finished = []

    def broken_on_the_second_outcome(followup, status, *args, **fields):
        if len(finished) == 1:
            raise RuntimeError("the worker broke")
        finished.append(followup.pk)
        return finish(followup, status, *args, **fields)

    monkeypatch.setattr(dispatch, "finish", broken_on_the_second_outcome)
    with pytest.raises(RuntimeError):
        dispatch.dispatch()

    rows = [FollowUp.objects.get(pk=f.pk) for f in followups]
    assert [row.status for row in rows] == [Status.SENT, Status.SENDING] + [Status.SCHEDULED] * 2
    # Each outcome is written with its log line; the second (sent, not recorded) has neither.
    assert list(Attempt.objects.values_list("followup", flat=True)) == [followups[0].pk]
    # The second keeps its lease: it may have gone out. The rows never reached are back in
    # the queue, untried, and the next tick takes them.
    assert rows[1].lease_until > timezone.now()
    assert [row.attempts for row in rows[2:]] == [0, 0]
    assert dispatch.claim() == [followups[2].pk, followups[3].pk]


def test_a_dispatch_for_one_practice_leaves_the_others_due_rows_alone(practice, other_practice):
    mine = FollowUpFactory(client=ClientFactory(practice=practice, email_consent=True))
    theirs = FollowUpFactory(client=ClientFactory(practice=other_practice, email_consent=True))

    assert dispatch.dispatch(practice=practice) == 1

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("sent", "scheduled")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement per message")
def test_each_outcome_is_written_with_the_next_rows_lease_check_and_none_is_left_unwritten(
    settings,
):
    from ..factories import MembershipFactory

    settings.QUIET_HOURS = (24, 0)
    practice = MembershipFactory().practice
    kinds = [Kind.COMPLAINT] * 3 + ["expired", Kind.COMPLAINT, "check-in", Kind.COMPLAINT]
    rows = []
    for n, kind in enumerate(kinds):
        client = ClientFactory(practice=practice, email=f"c{n}@example.com", email_consent=True)
        due = NOON - datetime.timedelta(minutes=10 - n)
        if kind == "check-in":  # its first render makes a token, in a transaction of its own
            rows.append(checkin_for(client))
            FollowUp.objects.filter(pk=rows[-1].pk).update(due_at=due)
        elif kind == "expired":  # skipped, with an outcome of its own
            rows.append(FollowUpFactory(client=client, kind=Kind.COMPLAINT, due_at=due))
            FollowUp.objects.filter(pk=rows[-1].pk).update(expires_at=NOON)
        else:
            rows.append(FollowUpFactory(client=client, kind=kind, due_at=due))
    statements = []

    def counting(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        assert dispatch.dispatch() == 6
    connection.close()

    assert [FollowUp.objects.get(pk=row.pk).status for row in rows] == [
        *[Status.SENT] * 3,
        Status.SKIPPED,
        *[Status.SENT] * 3,
    ]
    logged = Attempt.objects.filter(ok=True).values_list("followup", flat=True)
    assert sorted(logged) == sorted(row.pk for row in rows if row.pk != rows[3].pk)
    assert len(mail.outbox) == 6
    # Where one sent message follows another, its outcome rides on the next lease check.
    together = [sql for sql in statements if "held AS" in sql]
    assert len(together) == 3  # rows 2 and 3 after 1 and 2, 7 after 6 (5's went before 6)
