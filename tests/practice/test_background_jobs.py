"""Celery is configured as the architecture asks, and a real worker runs our tasks
through the configured broker (Redis when REDIS_URL is set, else the file broker)."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from practice.celery import app
from practice.models import Heartbeat
from practice.tasks import HEARTBEAT, record_heartbeat


def test_tasks_are_json_only_acknowledged_late_and_time_limited():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_the_heartbeat_is_scheduled_every_minute():
    entry = app.conf.beat_schedule["record-heartbeat"]

    assert entry["task"] == record_heartbeat.name
    assert entry["schedule"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_task_queued_on_commit_once_the_transaction_commits():
    # A queue of its own, so that a development worker on the same broker cannot take it.
    queue = f"test-{uuid.uuid4().hex}"
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]
    ):
        with transaction.atomic():
            record_heartbeat.apply_async_on_commit(queue=queue)
            time.sleep(0.5)
            assert not Heartbeat.objects.exists(), "the task ran before the commit"

        deadline = time.monotonic() + 20
        while not Heartbeat.objects.filter(name=HEARTBEAT).exists():
            assert time.monotonic() < deadline, "the worker did not run the task in 20 s"
            time.sleep(0.1)

    last_seen, stale = Heartbeat.status(HEARTBEAT)
    assert last_seen is not None
    assert stale is False
