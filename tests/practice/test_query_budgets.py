"""The pages `make bench` times run the same number of queries on a small seeded practice
and on one many times its size, and never more than their budget."""

import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practice.models import Membership
from practice.tooling import benchmarks, seeding

# Queries per request, including the three every signed-in page pays (session, user,
# membership) and the authenticator check.
BUDGETS = {
    # loads no session (practice/front/health.py): the latest backup's row at most
    "minimal view (/health/)": 1,
    # with the twelve-month figures computed (two of them what the follow-ups brought back)
    # and the online bookings waiting for confirmation, and the money paid and owed (2);
    # 17 while the figures are kept
    "dashboard": 27,
    "client list, first page": 7,
    "client list, last page": 7,
    "client list, search": 7,
    # each app's newest entries in one query each: clients, sessions, follow-ups,
    # complaints and payments (18 since payments joined)
    "client timeline (busiest client)": 18,
    "day view": 5,
    # what is owed across the practice (one query) and the latest payments with their
    # receipts (two)
    "payments: owed and latest": 7,
    # the client, the owed sessions, packages, the practice's Stripe keys (the saved card
    # only where it has them), the payments with their sessions, receipts and refunds
    "a client's balance and payments": 12,
    "intake form GET": 4,
    "free times, four weeks (booking page)": 8,  # with the signed-in session's own
    "intake form POST": 20,
}


def queries_per_page(client, practice):
    owner = Membership.objects.get(practice=practice, role="owner").user
    client.force_login(owner)
    counts = {}
    for name, url, post in benchmarks.pages_of(practice):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, post(secrets.token_hex(16))) if post else client.get(url)
        assert response.status_code in (200, 302), (name, response.status_code)
        counts[name] = len(queries)
    return counts


@pytest.mark.slow
def test_every_benchmarked_page_runs_a_fixed_number_of_queries(db, client, settings):
    settings.RATELIMIT_ENABLE = False
    small = seeding.seed_practices(1, clients=6, years=0.5, seed=1).practices[0]
    large = seeding.seed_practices(1, clients=60, years=3, seed=2).practices[0]

    on_small = queries_per_page(client, small)
    on_large = queries_per_page(client, large)

    assert set(on_small) == set(BUDGETS), "a benchmarked page has no budget"
    for name, budget in BUDGETS.items():
        assert on_large[name] == on_small[name], f"{name}: grows with the data"
        assert on_large[name] <= budget, (
            f"{name}: {on_large[name]} queries, budget {budget}; {on_large}"
        )
