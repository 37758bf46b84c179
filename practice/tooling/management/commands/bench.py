"""`make bench`: seed a large practice once, then measure it (figures, not tests)."""

import json
import secrets
import statistics
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from complaints.benchmarks import plain_times, report_times
from followups.benchmarks import dispatcher_rate, drain_in_background
from practice.models import Membership, Practice
from practice.tooling import backup_bench, benchmarks, celery_floor, loadtest, seeding

BENCH_PRACTICE = "Benchmark practice"
WORKER_NICE = 10  # as practice/Procfile runs the worker
NEIGHBOUR = "Neighbouring practice"  # other tenants of the same installation


class Command(BaseCommand):
    help = "Seed a large practice (once) and print page, dispatcher, PDF and load figures."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=5000)
        parser.add_argument("--years", type=float, default=5)
        parser.add_argument(
            "--neighbours", type=int, default=20, help="Other practices in the same database."
        )
        parser.add_argument("--neighbour-clients", type=int, default=150)
        parser.add_argument("--repeat", type=int, default=30, help="Requests per page.")
        parser.add_argument(
            "--rounds",
            type=int,
            default=3,
            help="Times each figure is measured: the table gives the median and the spread.",
        )
        parser.add_argument("--rows", type=int, default=10_000, help="Due follow-ups.")
        parser.add_argument("--users", type=int, default=50, help="Load-run users.")
        parser.add_argument("--seconds", type=int, default=60, help="Load-run length.")
        parser.add_argument("--skip-load", action="store_true")
        parser.add_argument("--skip-backup", action="store_true")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "var" / "bench.json"))

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stderr.write("Note: not PostgreSQL; the figures will not be representative.")
        practice, owner, password = self.practice(options["clients"], options["years"])
        self.neighbours(options["neighbours"], options["neighbour_clients"], options["years"])
        figures = {"measured_at": timezone.now().isoformat(), "database": connection.vendor}
        with scopes_disabled():
            figures["data"] = self.sizes(practice)
            figures["others"] = self.others(practice)

        rounds = options["rounds"]
        self.say(f"Timing pages, {rounds} rounds ...")
        by_round = [
            benchmarks.time_pages(practice, owner, repeat=options["repeat"]) for _ in range(rounds)
        ]
        figures["bare"], *figures["pages"] = [
            across([round_[n] for round_ in by_round]) for n in range(len(by_round[0]))
        ]
        floor = figures["bare"]["median_ms"]
        minimal = figures["pages"][0]["median_ms"]
        for page in figures["pages"]:
            page["times_bare"] = round(page["median_ms"] / floor, 1)
            page["times_minimal_view"] = round(page["median_ms"] / minimal, 1)
        if connection.vendor == "postgresql":
            pages = by_round[-1]
            urls = {page.url: page.name for page in pages[2:]}  # not the floors
            url, sql, plan = benchmarks.slowest_query(owner, urls)
            figures["slowest_query"] = {"page": urls[url], "sql": sql, "plan": plan}
            figures["lists"] = benchmarks.list_plans(owner, pages)
        named = {page["name"]: page for page in figures["pages"]}
        figures["last_page_to_first"] = round(
            named["client list, last page"]["median_ms"]
            / named["client list, first page"]["median_ms"],
            2,
        )

        self.say(f"Dispatching due follow-ups, {rounds} rounds, each beside raw Celery ...")
        runs, floor = [], []
        for _ in range(rounds):  # interleaved, so both see the machine as it was
            runs.append(dispatcher_rate(options["rows"]))
            if settings.CELERY_BROKER_URL.startswith("redis"):
                floor.append(celery_floor.tasks_per_second(settings.CELERY_BROKER_URL))
        rates = sorted(sent / seconds for sent, seconds in runs)
        sent, seconds = runs[-1]
        figures["dispatcher"] = {
            "rows": options["rows"],
            "sent": sent,
            "seconds": seconds,
            "per_second": round(statistics.median(rates)),
            "per_second_spread": low_median_high(rates),
        }
        if floor:
            figures["dispatcher"] |= {
                "celery_noop_per_second": round(statistics.median(floor)),
                "celery_noop_spread": low_median_high(floor),
                "ratio_to_celery": round(statistics.median(rates) / statistics.median(floor), 2),
            }

        self.say("Rendering incident reports ...")
        figures["incident_report"] = {}
        for size, report in report_times((10, 50), repeat=rounds).items():
            times = report["seconds"]
            plain, plain_pages = plain_times(report["pages"], repeat=rounds)
            per_second = report["pages"] / statistics.median(times)
            plain_per_second = plain_pages / statistics.median(plain)
            figures["incident_report"][str(size)] = {
                "median_seconds": round(statistics.median(times), 2),
                "spread_seconds": [round(min(times), 2), round(max(times), 2)],
                "pages": report["pages"],
                "pages_per_second": round(per_second, 1),
                "peak_python_mb": report["peak_mb"],
                "plain_pages": plain_pages,
                "plain_pages_per_second": round(plain_per_second, 1),
                "ratio_to_plain": round(per_second / plain_per_second, 2),
            }
        figures["incident_report"]["ratio_to_plain"] = figures["incident_report"]["50"][
            "ratio_to_plain"
        ]

        if connection.vendor == "postgresql" and not options["skip_backup"]:
            self.say("Backing up the whole database and restoring it onto a new one ...")
            figures["backup"] = backup_bench.backup_and_restore()

        if not options["skip_load"]:
            self.say(f"Load run: {options['users']} users for {options['seconds']} s ...")
            figures["load"] = loadtest.load_run(
                practice, owner.email, password, users=options["users"], seconds=options["seconds"]
            )
            self.say(
                f"Load run again while a dispatcher at the worker's priority (nice "
                f"{WORKER_NICE}) sends {options['rows']:,} due messages ..."
            )
            _worker, cleanup = drain_in_background(options["rows"], niceness=WORKER_NICE)
            try:
                busy = loadtest.load_run(
                    practice,
                    owner.email,
                    password,
                    users=options["users"],
                    seconds=options["seconds"],
                )
            finally:
                sent_meanwhile = cleanup()
            busy |= {"worker_sent": sent_meanwhile, "worker_niceness": WORKER_NICE}
            figures["load"]["with_worker"] = busy

        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(figures, indent=2, default=str))
        self.table(figures)
        self.stdout.write(f"\nFigures written to {output}")

    def say(self, text):
        self.stderr.write(text)

    def practice(self, clients, years):
        """The benchmark practice, seeded on the first run and reused afterwards."""
        with scopes_disabled():
            practice = Practice.objects.filter(name=BENCH_PRACTICE).first()
            if practice is None:
                self.say(f"Seeding {clients} clients over {years} years (once) ...")
                result = seeding.seed_practices(1, clients=clients, years=years)
                practice = result.practices[0]
                practice.name = BENCH_PRACTICE
                practice.save(update_fields=["name"])
                for name, number in result.counts.items():
                    self.say(f"  {number:>9,} {name}")
                analyze()
            owner = Membership.objects.get(practice=practice, role="owner").user
        password = secrets.token_urlsafe(16)  # fresh each run, for the load run's sign-ins
        owner.set_password(password)
        owner.save(update_fields=["password"])
        return practice, owner, password

    def neighbours(self, number, clients, years):
        """Other practices sharing the database, seeded once: every page must find its own
        rows among theirs as quickly as if it were alone."""
        with scopes_disabled():
            have = Practice.objects.filter(name__startswith=NEIGHBOUR).count()
            if have >= number:
                return
            self.say(f"Seeding {number - have} neighbouring practices of {clients} clients ...")
            result = seeding.seed_practices(
                number - have, clients=clients, years=years, seed=9000 + have
            )
            for position, practice in enumerate(result.practices, start=have + 1):
                practice.name = f"{NEIGHBOUR} {position}"
                practice.save(update_fields=["name"])
            analyze()

    def others(self, practice):
        from clients.models import Client
        from sessions.models import Appointment

        return {
            "practices": Practice.objects.exclude(pk=practice.pk).count(),
            "clients": Client.objects.exclude(practice=practice).count(),
            "appointments": Appointment.objects.exclude(practice=practice).count(),
        }

    def sizes(self, practice):
        from clients.models import Client
        from followups.models import FollowUp
        from sessions.models import Appointment, SessionNote

        return {
            "clients": Client.objects.filter(practice=practice).count(),
            "appointments": Appointment.objects.filter(practice=practice).count(),
            "session_notes": SessionNote.objects.filter(practice=practice).count(),
            "follow_ups": FollowUp.objects.filter(practice=practice).count(),
        }

    def table(self, figures):
        write = self.stdout.write
        data = figures["data"]
        write(
            f"\nPractice: {data['clients']:,} clients, {data['appointments']:,} appointments, "
            f"{data['session_notes']:,} notes, {data['follow_ups']:,} follow-ups "
            f"({figures['database']})"
        )
        others = figures["others"]
        write(
            f"Sharing the database with {others['practices']} other practices: "
            f"{others['clients']:,} clients, {others['appointments']:,} appointments\n"
        )
        rounds = len(figures["bare"]["round_medians_ms"])
        write(f"Medians of {rounds} rounds, with the lowest and highest round's median.")
        write(
            f"{'Page':<38} {'median ms':>9} {'(min-max)':>15} {'p90 ms':>7} {'x bare':>7} "
            f"{'x /health/':>10} {'queries':>7}"
        )
        bare = figures["bare"]
        write(
            f"{bare['name']:<38} {bare['median_ms']:>9.2f} {spread(bare):>15} "
            f"{bare['p90_ms']:>7.2f} {1.0:>7.1f} {'':>10} {0:>7}"
        )
        for page in figures["pages"]:
            write(
                f"{page['name']:<38} {page['median_ms']:>9.2f} {spread(page):>15} "
                f"{page['p90_ms']:>7.2f} {page['times_bare']:>7.1f} "
                f"{page['times_minimal_view']:>10.1f} {page['queries']:>7}"
            )
        write(f"\nClient list, last page / first page: {figures['last_page_to_first']}")
        for name, plan in figures.get("lists", {}).items():
            verdict = "as the README says" if plan["uses_expected"] else "NOT the README's index"
            write(
                f"  {name}: reads {', '.join(plan['indexes']) or 'no index'} "
                f"({verdict}), {plan['database_ms']} ms in the database"
            )
        dispatcher = figures["dispatcher"]
        low, median, high = dispatcher["per_second_spread"]
        write(
            f"\nDispatcher: {dispatcher['sent']:,} of {dispatcher['rows']:,} sent (last round "
            f"{dispatcher['seconds']:.2f} s); {median} per second ({low}-{high})"
        )
        if "ratio_to_celery" in dispatcher:
            low, median, high = dispatcher["celery_noop_spread"]
            write(
                f"Raw Celery, no-op tasks through the same Redis (one solo worker, the app's task "
                f"settings): {median} per second ({low}-{high}); the dispatcher's rate is "
                f"{dispatcher['ratio_to_celery']} of it"
            )
        for size, report in figures["incident_report"].items():
            if size == "ratio_to_plain":
                continue
            low, high = report["spread_seconds"]
            write(
                f"Incident report, {size} sessions: {report['median_seconds']:.2f} s "
                f"({low:.2f}-{high:.2f}), {report['pages']} pages, "
                f"{report['pages_per_second']} pages/s; plain text of {report['plain_pages']} "
                f"pages {report['plain_pages_per_second']} pages/s: ratio "
                f"{report['ratio_to_plain']}; Python heap peak {report['peak_python_mb']} MB"
            )
        if backup := figures.get("backup"):
            write(
                f"Backup of the whole database ({backup['database_bytes'] / 2**20:,.0f} MB on "
                f"disk): {backup['backup_seconds']:.1f} s, "
                f"{backup['size_bytes'] / 2**20:,.1f} MB encrypted; restore onto a new "
                f"database {backup['restore_seconds']:.1f} s"
            )
        if "load" in figures:
            load = figures["load"]
            write(
                f"\nLoad run: {load['users']} users, {load['seconds']} s, "
                f"{load['gunicorn_workers']} gunicorn workers, {load['errors']} errors"
            )
            for kind, row in load["requests"].items():
                write(
                    f"  {kind:<20} {row['count']:>6} requests ({row['per_second']}/s), "
                    f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms"
                )
            if busy := load.get("with_worker"):
                write(
                    f"With the worker busy (nice {busy['worker_niceness']}, "
                    f"{busy['worker_sent']:,} messages sent meanwhile): {busy['errors']} errors"
                )
                for kind, row in busy["requests"].items():
                    write(
                        f"  {kind:<20} {row['count']:>6} requests ({row['per_second']}/s), "
                        f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms"
                    )
        if slowest := figures.get("slowest_query"):
            write(f"\nSlowest query of all these pages ({slowest['page']}):")
            write(slowest["sql"])
            write(slowest["plan"])
        medians = [p["times_bare"] for p in figures["pages"][1:]]
        write(f"\n(median of pages vs the bare floor: {statistics.median(medians):.1f}x)")


def across(timings):
    """One page's figures over the rounds: the median round's, and every round's median."""
    medians = sorted(timing.median_ms for timing in timings)
    middle = sorted(timings, key=lambda timing: timing.median_ms)[len(timings) // 2]
    return middle.__dict__ | {
        "median_ms": round(statistics.median(medians), 2),
        "p90_ms": round(middle.p90_ms, 2),
        "round_medians_ms": [round(value, 2) for value in medians],
    }


def low_median_high(values):
    """The lowest, the median and the highest of the rounds' figures, rounded."""
    values = sorted(values)
    return [round(values[0]), round(statistics.median(values)), round(values[-1])]


def spread(page):
    rounds = page["round_medians_ms"]
    return f"({rounds[0]:.1f}-{rounds[-1]:.1f})"


def analyze():
    """Fresh planner statistics after a bulk load, as a live database would have."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
