"""Create (once) a demo practice with a demo login, for local development."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from practice.models import Membership, User
from practice.services import create_practice
from practice.tooling import seeding

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-massage-2026"
DEMO_PRACTICE = "Demo Massage Practice"
CANCELLATION_POLICY = "Please give 24 hours' notice to cancel or move a session."
DEMO_CLIENTS = 40
LATE_ARRIVAL_POLICY = "A session that starts late still ends on time, and the full fee applies."


class Command(BaseCommand):
    help = "Create a demo practice and login if they do not exist yet (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo login has a published password: only with DEBUG=1.")
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                email=DEMO_EMAIL, defaults={"first_name": "Dana", "last_name": "Demo"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            has_practice = (
                Membership.objects.with_scopes_disabled()
                .filter(user=user, practice__name=DEMO_PRACTICE)
                .exists()
            )
            if not has_practice:
                membership = create_practice(
                    user,
                    name=DEMO_PRACTICE,
                    time_zone=settings.TIME_ZONE,
                    cancellation_policy=CANCELLATION_POLICY,
                    late_arrival_policy=LATE_ARRIVAL_POLICY,
                )
                # A year of made-up clients, sessions, notes and messages to look at.
                seeding.fill(membership, clients=DEMO_CLIENTS, years=1)
                seeding.open_for_booking(membership.practice)
        verb = "Found" if has_practice else "Created"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo practice."))
        self.stdout.write(
            f"  Sign in at http://127.0.0.1:8000/ as {DEMO_EMAIL}, password {DEMO_PASSWORD}"
        )
