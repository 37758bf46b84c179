"""Raw Celery's rate for tasks that do nothing (for `make bench`): the floor the dispatcher's
send rate stands beside.

One worker process (the solo pool: one task at a time, as one dispatcher sends one message
at a time) takes no-op tasks from the same Redis, with the task settings the app's own
worker runs with (JSON, acks late, prefetch 1, results ignored). The time runs from the
first task the worker takes to the last, so neither publishing nor starting the worker is
counted. Its own Celery app: no Django is loaded in the worker, nothing of the product's.

Run by `manage.py bench`.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
from celery import Celery

BROKER_ENV = "CELERY_FLOOR_BROKER_URL"
HERE = str(Path(__file__).resolve().parent)

app = Celery("floor", broker=os.environ.get(BROKER_ENV, "memory://"), set_as_current=False)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    worker_enable_remote_control=False,  # no control queue: nothing else in Redis
)


@app.task(name="floor.noop")
def noop():
    """Nothing: what a task costs Celery itself."""


@app.task(name="floor.mark")
def mark(key):
    """Note the time this task ran under `key` (the first and the last of a run)."""
    redis.Redis.from_url(app.conf.broker_url).set(key, repr(time.time()), ex=3600)


def tasks_per_second(broker_url, tasks=5000, timeout=300):
    """Queue `tasks` no-op tasks between two marks, let one solo worker take them all, and
    return the rate between the marks (tasks a second)."""
    queue = f"floor-{uuid.uuid4().hex[:12]}"
    start_key, end_key = f"{queue}:start", f"{queue}:end"
    store = redis.Redis.from_url(broker_url)
    app.conf.broker_url = broker_url
    with app.connection_for_write() as connection, app.producer_or_acquire() as producer:
        options = {"queue": queue, "connection": connection, "producer": producer}
        mark.apply_async((start_key,), **options)
        for _ in range(tasks):
            noop.apply_async(**options)
        mark.apply_async((end_key,), **options)
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [
            # Loaded from its own folder, so the worker imports neither Django nor the app.
            *(sys.executable, "-m", "celery", "--workdir", HERE, "-A", "celery_floor", "worker"),
            *("--pool=solo", "--queues", queue, "--loglevel=WARNING"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        # Without DJANGO_SETTINGS_MODULE, Celery does not set Django up in the worker.
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        | {BROKER_ENV: broker_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout
        while store.get(end_key) is None:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The Celery floor's worker did not finish its tasks.")
            time.sleep(0.1)
        started, ended = float(store.get(start_key)), float(store.get(end_key))
    finally:
        worker.terminate()
        worker.wait(30)
        bindings = (f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        store.delete(queue, start_key, end_key, *bindings)
    return tasks / (ended - started)
