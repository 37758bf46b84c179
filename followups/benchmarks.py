"""How many due follow-ups per second the dispatcher sends (for `make bench`, not a test)."""

import contextlib
import datetime
import io
import logging
import time

from django.test.utils import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from clients.models import Client
from followups import dispatch
from followups.models import FollowUp, Kind
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
