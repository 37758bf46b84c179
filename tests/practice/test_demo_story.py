"""The demo practice shows every panel of the dashboard with something in it."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from practice.tooling.management.commands.demo_practice import DEMO_EMAIL, DEMO_PASSWORD


@pytest.fixture
def demo_dashboard(db, client, settings):
    settings.DEBUG = True
    call_command("demo_practice", stdout=None)
    client.post(reverse("login"), {"username": DEMO_EMAIL, "password": DEMO_PASSWORD})
    return client.get(reverse("dashboard"))


def test_the_demo_dashboard_tells_the_story(demo_dashboard):
    context = demo_dashboard.context
    assert context["lapsed_count"] >= 2 and context["revenue_at_risk"] > 0
    assert len(context["worse"]) == 1
    assert any(complaint.is_overdue() for complaint in context["open_complaints"])
    assert any(incident.status == "draft" for incident in context["open_incidents"])
    assert context["failed_messages"] >= 1
    html = demo_dashboard.content.decode()
    assert "Nobody is overdue for their next visit" not in html
    assert "feels worse" in html and "could not be sent" in html


def test_seed_practice_prints_a_login_for_each_practice(db):
    from io import StringIO

    out = StringIO()
    call_command(
        "seed_practice", "--practices", "2", "--clients", "5", "--years", "0.5", stdout=out
    )

    logins = [line for line in out.getvalue().splitlines() if "Sign in" in line]
    assert len(logins) == 2
    for line in logins:
        email, password = line.split(" as ")[1].split(", password ")
        from django.test import Client

        browser = Client()
        assert (
            browser.post(reverse("login"), {"username": email, "password": password}).url
            == "/dashboard/"
        )
