"""The outbox under real faults, on real PostgreSQL: database connections terminated with
pg_terminate_backend, a real Celery worker killed with SIGKILL mid-batch, a provider slower
than the lease. Nothing is lost, nothing is sent twice where it can be helped, every sent
message has its log line, and every link in every copy works."""

import datetime
import email
import re
import threading
import time
from collections import Counter

import psycopg
import pytest
from celery import Celery
from django.db import OperationalError, connection
from django.test import Client as Browser
from django.utils import timezone

from followups import dispatch
from followups.models import Attempt, FollowUp, Kind
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, FollowUpFactory, PracticeFactory
from ..support.backends import RecordingBackend
from ..support.processes import REDIS_SERVER, OwnRedis, Worker, database_url_of_this_test

Status = FollowUp.Status
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="faults of PostgreSQL"),
]


def seed(count):
    """`count` due messages: half check-ins (each carries a token of its own), half
    complaint follow-ups."""
    practice = PracticeFactory(name="Calm Hands")
    now = timezone.now()
    for n in range(count):
        client = ClientFactory(practice=practice, email=f"c{n}@example.com", email_consent=True)
        if n % 2:
            FollowUpFactory(client=client, kind=Kind.COMPLAINT, due_at=now)
        else:
            appointment = AppointmentFactory(
                client=client,
                status=Appointment.Status.COMPLETED,
                start=now - datetime.timedelta(days=1),
            )
            FollowUpFactory(client=client, kind=Kind.CHECKIN, appointment=appointment, due_at=now)


def terminate_others():
    """Terminate every other connection to this test's database; return how many."""
    with psycopg.connect(database_url_of_this_test(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@pytest.fixture
def recording(settings):
    settings.EMAIL_BACKEND = "tests.support.backends.RecordingBackend"
    settings.QUIET_HOURS = (24, 0)  # no quiet hours: everything is sendable now
    settings.SITE_URL = "http://testserver"
    RecordingBackend.sent, RecordingBackend.delay, RecordingBackend.after_accepting = [], 0, None
    yield RecordingBackend
    RecordingBackend.sent, RecordingBackend.delay, RecordingBackend.after_accepting = [], 0, None


def message_ids(messages):
    return Counter(message.extra_headers["Message-ID"] for message in messages)


def assert_every_link_works(bodies):
    browser = Browser()
    links = [path for body in bodies for path in re.findall(r"http://testserver(/\S+)", body)]
    assert links
    for path in links:
        assert browser.get(path).status_code == 200, path


def assert_every_sent_row_has_its_log_line():
    sent = set(FollowUp.objects.filter(status=Status.SENT).values_list("pk", flat=True))
    logged = set(Attempt.objects.filter(ok=True).values_list("followup", flat=True))
    assert sent - logged == set()


def test_a_connection_lost_right_after_the_provider_took_a_message_sends_nothing_twice(
    recording,
):
    seed(120)
    kills = []

    def terminate_our_connection(message):  # the worst moment: sent, not yet recorded
        if len(recording.sent) % 4 == 0:
            pid = connection.connection.info.backend_pid
            with psycopg.connect(database_url_of_this_test(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            kills.append(pid)

    recording.after_accepting = terminate_our_connection
    assert dispatch.dispatch() == 120
    connection.close()

    assert len(kills) == 30
    ids = message_ids(recording.sent)
    assert len(ids) == 120 and max(ids.values()) == 1
    assert FollowUp.objects.filter(status=Status.SENT).count() == 120
    assert_every_sent_row_has_its_log_line()
    assert_every_link_works([m.body for m in recording.sent])


def test_connections_terminated_at_random_moments_lose_nothing_and_double_nothing(
    recording, settings
):
    settings.FOLLOWUP_LEASE_SECONDS = 2
    recording.delay = 0.002
    seed(200)
    kills, done = [], threading.Event()

    def blink():
        while not done.is_set() and sum(kills) < 32:  # 32 cuts, however many tries it takes
            time.sleep(0.05)
            kills.append(terminate_others())

    blinker = threading.Thread(target=blink)
    blinker.start()
    deadline = time.monotonic() + 60
    try:
        while FollowUp.objects.exclude(status=Status.SENT).exists():
            assert time.monotonic() < deadline, "not everything went out"
            try:
                dispatch.dispatch(time_budget=5)
            except OperationalError:  # lost while claiming: the next tick claims again
                connection.close()
    except OperationalError:
        connection.close()
    finally:
        done.set()
        blinker.join()
        connection.close()
    while FollowUp.objects.exclude(status=Status.SENT).exists():  # leases left by a blip
        assert time.monotonic() < deadline + settings.FOLLOWUP_LEASE_SECONDS * 2
        time.sleep(0.5)
        dispatch.dispatch(time_budget=5)

    assert sum(kills) >= 20  # the dispatcher's connection was terminated again and again
    ids = message_ids(recording.sent)
    assert len(ids) == 200 and max(ids.values()) == 1
    assert_every_sent_row_has_its_log_line()
    assert_every_link_works([m.body for m in recording.sent])


def test_a_provider_slower_than_the_lease_never_lets_a_second_dispatcher_take_its_rows(
    recording, settings
):
    settings.FOLLOWUP_LEASE_SECONDS = 1
    recording.delay = 0.05  # a batch of 60 takes 3 s, three times the lease
    seed(90)
    results = []

    def run(batch, after):
        try:
            time.sleep(after)
            results.append(dispatch.dispatch(batch=batch))
        finally:
            connection.close()

    # The second starts when the first one's batch is well past its first lease.
    threads = [
        threading.Thread(target=run, args=(60, 0)),
        threading.Thread(target=run, args=(5, 1.5)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(results) == 90
    ids = message_ids(recording.sent)
    assert len(ids) == 90 and max(ids.values()) == 1
    # Nothing was taken from the living dispatcher: every row was claimed once.
    assert set(FollowUp.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.skipif(not REDIS_SERVER, reason="needs redis-server")
def test_a_killed_worker_s_messages_are_taken_over_at_once_identical_and_logged(tmp_path, settings):
    settings.SITE_URL = "http://testserver"
    seed(200)
    redis = OwnRedis()
    redis.start()
    broker = Celery(broker=redis.url)
    environment = {
        "EMAIL_BACKEND": "tests.support.backends.SlowFileBackend",
        "FAULT_MAIL_DIR": tmp_path,
        "FAULT_MAIL_DELAY": 0.02,
        "FOLLOWUP_LEASE_SECONDS": 3,
        "QUIET_HOURS_START": 24,
        "QUIET_HOURS_END": 0,
        "SITE_URL": "http://testserver",
    }
    first = Worker(redis.url, **environment).start()
    second = Worker(redis.url, **environment)
    try:
        broker.send_task("followups.tasks.dispatch_due")
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.eml"))) < 30:
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.05)
        first.kill()
        killed_at = time.monotonic()
        held = FollowUp.objects.filter(status=Status.SENDING).count()
        assert held > 50  # the dead worker's claimed batch

        second.start()
        while FollowUp.objects.exclude(status=Status.SENT).exists():
            assert time.monotonic() - killed_at < 30, "the dead worker's rows were not taken over"
            broker.send_task("followups.tasks.dispatch_due")  # the tick
            time.sleep(1)
        taken_over_in = time.monotonic() - killed_at
    finally:
        first.stop()
        second.stop()
        redis.stop()

    # Within the lease and a tick or two of the kill (lease here 3 s; in production 30 s,
    # ticks every 15 s, so within a minute).
    assert taken_over_in < 3 + 10
    copies = {}
    for path in sorted(tmp_path.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        copies.setdefault(message["Message-ID"], []).append(message)
    assert len(copies) == 200
    twice = [same for same in copies.values() if len(same) > 1]
    assert len(twice) <= 1  # at most the one in flight when the worker died
    for pair in twice:  # ... and then both copies are the same message
        assert len({as_read(message) for message in pair}) == 1
    assert_every_sent_row_has_its_log_line()
    assert_every_link_works([text_of(same[0]) for same in copies.values()])


def text_of(message):
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


def as_read(message):
    """What the client sees of a message: its headers of note and both parts."""
    headers = tuple(message[name] for name in ("Subject", "Date", "Message-ID", "To"))
    parts = tuple(
        part.get_payload(decode=True)
        for part in message.walk()
        if part.get_content_maintype() == "text"
    )
    return headers, message["List-Unsubscribe"], parts
