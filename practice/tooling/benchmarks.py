"""Server time of the pages a therapist uses most, on a large seeded practice (not a test).

Requests go through Django's whole handler and middleware in this process (no network),
so the figure is the server's own time. A minimal view (/health/) on the same stack is
timed alongside, as the yardstick the budgets are written against.
"""

import re
import secrets
import statistics
import time
from dataclasses import dataclass

from django.core.handlers.base import BaseHandler
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse
from django.test import Client as Browser
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import path, reverse
from django_scopes import scopes_disabled

from clients.models import Client
from sessions.models import Appointment

from .seeding import open_for_booking


@dataclass
class PageTiming:
    name: str
    url: str
    median_ms: float
    p90_ms: float
    queries: int
    status: int


def intake_answers(nonce):
    return {
        "first_name": "Bench",
        "last_name": "Visitor",
        "email": f"visitor-{nonce[:10]}@example.com",
        "mobile": "07911 123456",
        "emergency_contact_name": "Sam Visitor",
        "emergency_contact_phone": "07400 123456",
        "preferred_channel": "email",
        "email_consent": "on",
        "pain_area_1": "Lower back",
        "pain_level_1": "5",
        "agree_cancellations": "on",
        "agree_treatment": "on",
        "signed_name": "Bench Visitor",
        "nonce": nonce,
    }


def pages_of(practice):
    """The URLs to time, picked from the practice's own data."""
    with scopes_disabled():
        busiest = (
            Client.objects.filter(practice=practice)
            .annotate(visits=Count("appointments"))
            .order_by("-visits")
            .first()
        )
        busy_day = (
            Appointment.objects.filter(practice=practice, status="completed")
            .order_by("-start")
            .values_list("start", flat=True)
            .first()
        )
        payer = (  # the client with the most payments: the longest balance page
            Client.objects.filter(practice=practice)
            .annotate(paid=Count("payments"))
            .order_by("-paid", "pk")
            .first()
        )
        service = open_for_booking(practice)
    return [
        ("minimal view (/health/)", reverse("health"), None),
        ("dashboard", reverse("dashboard"), None),
        ("client list, first page", reverse("clients:list"), None),
        ("client list, last page", f"{reverse('clients:list')}?last=1", None),
        ("client list, search", f"{reverse('clients:list')}?q={busiest.last_name}", None),
        (
            "client timeline (busiest client)",
            reverse("clients:detail", args=[busiest.public_id]),
            None,
        ),
        ("day view", f"{reverse('sessions:day')}?date={busy_day:%Y-%m-%d}", None),
        ("payments: owed and latest", reverse("payments:list"), None),
        (
            "a client's balance and payments",
            reverse("payments:client", args=[payer.public_id]),
            None,
        ),
        ("intake form GET", reverse("intake:public", args=[practice.slug]), None),
        (
            "free times, four weeks (booking page)",
            reverse("booking:times", args=[practice.slug, service.public_id]),
            None,
        ),
        ("intake form POST", reverse("intake:public", args=[practice.slug]), intake_answers),
    ]


def bare(request):
    """The floor: a Django view that runs no query, reached through no middleware."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("", bare)]  # the bare floor's URLconf (this module)


def bare_floor():
    """A function that sends one request to `bare` through Django's handler, with no
    middleware: what a request costs the framework itself."""
    handler = BaseHandler()
    with override_settings(MIDDLEWARE=[]):
        handler.load_middleware()
    factory = RequestFactory()

    def hit():
        request = factory.get("/")
        request.urlconf = __name__
        return handler.get_response(request)

    return hit


def timing(name, url, timings, queries, status):
    timings = sorted(timings)
    return PageTiming(
        name=name,
        url=url,
        median_ms=statistics.median(timings),
        p90_ms=timings[int(len(timings) * 0.9) - 1],
        queries=queries,
        status=status,
    )


def time_pages(practice, owner, repeat=30, warmup=3):
    """Median and p90 server time per page, and the queries one request runs; first the
    bare floor, timed interleaved with every page (a request to it after each request to
    a page), so both see the machine as it was."""
    browser = Browser()
    browser.force_login(owner)
    floor, floor_times = bare_floor(), []
    results = []
    with override_settings(ALLOWED_HOSTS=["*"], RATELIMIT_ENABLE=False):
        for name, url, post in pages_of(practice):
            timings, status = [], 0

            def hit(url=url, post=post):
                if post:
                    return browser.post(url, post(secrets.token_hex(16)), secure=True)
                return browser.get(url, secure=True)

            for _ in range(warmup):
                hit()
                floor()
            for _ in range(repeat):
                started = time.perf_counter()
                status = hit().status_code
                timings.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                floor()
                floor_times.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as queries:
                hit()
            results.append(timing(name, url, timings, len(queries), status))
    return [timing("bare Django view (floor)", "", floor_times, 0, 200), *results]


def slowest_query(owner, urls):
    """The query that keeps the database busiest among those the pages at `urls` run:
    (page url, sql, plan). Each query is run again under EXPLAIN (ANALYZE, BUFFERS) and
    ranked by planning plus execution time, since the timings Django keeps on the client
    side are rounded to the millisecond. Needs PostgreSQL."""
    browser = Browser()
    browser.force_login(owner)
    plans = []
    for url in urls:
        with override_settings(ALLOWED_HOSTS=["*"]), CaptureQueriesContext(connection) as seen:
            browser.get(url, secure=True)
        with connection.cursor() as cursor:
            for query in seen.captured_queries:
                if not query["sql"].startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
                plans.append((database_ms(plan), url, query["sql"], plan))
    _, url, sql, plan = max(plans, key=lambda item: item[0])
    return url, sql, plan


def database_ms(plan):
    """Planning plus execution time, in milliseconds, from an EXPLAIN ANALYZE text."""
    return sum(
        float(line.split(":")[1].split()[0])
        for line in plan.splitlines()
        if line.startswith(("Planning Time:", "Execution Time:"))
    )


# The lists whose plan `make bench` checks, with the index the README says each reads.
LIST_INDEXES = {
    "client list, first page": "client_by_name",
    "client list, last page": "client_by_name",
    # A page of the search: the name index read in order, each row checked (at 5,000 clients
    # the planner prefers it to the trigram indexes, which serve larger practices).
    "client list, search": "client_by_name",
}


def list_plans(owner, pages):
    """For each list of LIST_INDEXES: the indexes its page query reads (EXPLAIN), whether
    the one the README names is among them, and its page query's database time. Needs
    PostgreSQL."""
    browser = Browser()
    browser.force_login(owner)
    found = {}
    urls = {page.name: page.url for page in pages}
    for name, expected in LIST_INDEXES.items():
        with override_settings(ALLOWED_HOSTS=["*"]), CaptureQueriesContext(connection) as seen:
            browser.get(urls[name], secure=True)
        [sql] = [
            q["sql"]
            for q in seen.captured_queries
            if q["sql"].startswith("SELECT")
            and '"clients_client"."public_id"' in q["sql"]
            and "LIMIT" in q["sql"]
        ][:1]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        indexes = sorted(
            set(
                re.findall(r"(?:Index|Index Only) Scan(?: Backward)? using (\S+)", plan)
                + re.findall(r"Bitmap Index Scan on (\S+)", plan)
            )
        )
        found[name] = {
            "indexes": indexes,
            "expected": expected,
            "uses_expected": any(index.startswith(expected) for index in indexes),
            "database_ms": round(database_ms(plan), 2),
        }
    return found
