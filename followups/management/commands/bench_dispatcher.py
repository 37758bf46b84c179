"""Measure how many due follow-ups per second the dispatcher sends (not a test).

Creates a throwaway practice with N due e-mails and texts, sends them with the console
backends (their output thrown away), prints the rate, and deletes everything it made.
Meant for PostgreSQL: DATABASE_URL=postgres://... python manage.py bench_dispatcher
"""

import contextlib
import io
import logging
import time

from django.core.management.base import BaseCommand
from django.db import connection
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


class Command(BaseCommand):
    help = "Print how many due follow-ups per second the dispatcher sends."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--clients", type=int, default=1_000)

    def handle(self, *args, rows, clients, **options):
        if connection.vendor != "postgresql":
            self.stderr.write("Note: not PostgreSQL; the figure will not be representative.")
        with scopes_disabled():
            practice = Practice.objects.create(name="Benchmark practice (temporary)")
            try:
                self.seed(practice, rows, clients)
                elapsed, sent = self.run()
            finally:
                FollowUp.objects.filter(practice=practice).delete()
                practice.delete()
        self.stdout.write(
            f"{sent} of {rows} follow-ups sent in {elapsed:.2f} s: "
            f"{sent / elapsed:.0f} per second ({connection.vendor})"
        )

    def seed(self, practice, rows, clients):
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
                    idempotency_key=f"bench:{practice.pk}:{n}",
                )
                for n in range(rows)
            ),
            batch_size=2000,
        )

    def run(self):
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
            sent = dispatch.dispatch(time_budget=3600)
            elapsed = time.perf_counter() - started
        return elapsed, sent
