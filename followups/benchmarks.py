"""How many due follow-ups per second the dispatcher sends (for `make bench`, not a test)."""

import contextlib
import datetime
import io
import logging
import os
import shutil
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from clients.models import Client
from followups import dispatch
from followups.models import Attempt, FollowUp, Kind
from practice.models import Practice


@contextlib.contextmanager
def quiet_logger(name):
    """The console text backend logs every message; keep the figure free of terminal I/O."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def dispatcher_rate(rows=10_000, clients=1_000):
    """Send `rows` due follow-ups through the real dispatcher; return (sent, seconds).

    Uses a throwaway practice and the console backends (their output thrown away), claims
    only that practice's rows (what else is due in the database stays as it was), and
    deletes everything it made."""
    with scopes_disabled():
        practice = Practice.objects.create(name="Benchmark practice (temporary)")
        try:
            seed(practice, rows, clients)
            return run(practice)
        finally:
            FollowUp.objects.filter(practice=practice).delete()
            Client.objects.filter(practice=practice).delete()
            practice.delete()
            vacuum()


def vacuum():
    """Clear away the rows a run deleted (PostgreSQL), so that each run starts from the
    table the one before it found, not from its dead rows, as autovacuum would in time."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = [model._meta.db_table for model in (FollowUp, Attempt, Client)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def seed(practice, rows, clients):
    people = Client.objects.bulk_create(
        Client(
            practice=practice,
            first_name=f"Client{n}",
            last_name="Bench",
            email=f"bench{n}@example.com",
            mobile=f"+447700{n:06d}"[:13],
            preferred_channel="email" if n % 2 else "sms",
            email_consent=True,
            sms_consent=True,
        )
        for n in range(clients)
    )
    now = timezone.now()
    FollowUp.objects.bulk_create(
        (
            FollowUp(
                practice=practice,
                client=people[n % clients],
                kind=Kind.COMPLAINT,  # urgent: not held back by the one-a-day limit
                channel="email" if n % 2 else "sms",
                due_at=now,
                expires_at=now + datetime.timedelta(days=1),
                idempotency_key=f"bench:{practice.pk}:{n}",
            )
            for n in range(rows)
        ),
        batch_size=2000,
    )


def run(practice):
    quiet = (24, 0)  # no quiet hours: every row is sendable now
    with (
        quiet_logger("followups.channels"),
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
            SMS_FILE="/dev/null",
            QUIET_HOURS=quiet,
        ),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        started = time.perf_counter()
        sent = dispatch.dispatch(time_budget=3600, practice=practice)
        elapsed = time.perf_counter() - started
    return sent, elapsed


def drain_in_background(rows=10_000, clients=1_000, niceness=10):
    """A dispatcher process sending `rows` due follow-ups of a throwaway practice, at the
    worker's CPU priority (`nice`, as the Procfile runs the worker), while something else
    is measured. Returns (process, cleanup): call cleanup() when done."""
    with scopes_disabled():
        practice = Practice.objects.create(name="Benchmark practice (temporary)")
        seed(practice, rows, clients)
    code = (
        "import django; django.setup(); "
        "from django_scopes import scopes_disabled; "
        "from followups import benchmarks; from practice.models import Practice; "
        "scopes_disabled().__enter__(); "
        f"print(benchmarks.run(Practice.objects.get(pk={practice.pk})))"
    )
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [shutil.which("nice") or "/usr/bin/nice", "-n", str(niceness), sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "practice.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )

    def cleanup():
        if process.poll() is None:
            process.terminate()
            process.wait(30)
        with scopes_disabled():
            sent = FollowUp.objects.filter(practice=practice, status="sent").count()
            FollowUp.objects.filter(practice=practice).delete()
            Client.objects.filter(practice=practice).delete()
            practice.delete()
        vacuum()
        return sent

    return process, cleanup
