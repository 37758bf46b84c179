"""Fill the database with realistic practices, for trying the app at scale."""

import time

from django.core.management.base import BaseCommand

from practice.tooling import seeding


class Command(BaseCommand):
    help = "Create practices full of clients, sessions, signed notes and messages (bulk)."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=200, help="Clients per practice.")
        parser.add_argument("--years", type=float, default=2, help="Years of history.")
        parser.add_argument("--practices", type=int, default=1)
        parser.add_argument("--seed", type=int, default=2026, help="Same seed, same data.")

    def handle(self, *args, clients, years, practices, seed, **options):
        started = time.perf_counter()
        result = seeding.seed_practices(practices, clients=clients, years=years, seed=seed)
        elapsed = time.perf_counter() - started
        for name, number in result.counts.items():
            self.stdout.write(f"  {number:>9,} {name}")
        names = ", ".join(p.name for p in result.practices)
        self.stdout.write(self.style.SUCCESS(f"Seeded {names} in {elapsed:.1f} s."))
        for practice, email, password in result.logins:
            self.stdout.write(f"  {practice.name}: Sign in as {email}, password {password}")
