"""Health history and note text stay out of logs and error pages."""

import logging
import sys

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client as BrowserClient
from django.urls import reverse
from django.views.debug import ExceptionReporter

from clients import services as client_services
from followups import dispatch

from ..clients.test_intake import intake_data
from ..factories import AppointmentFactory, CheckInFactory, IntakeLinkFactory

HEALTH = "Numbness-in-two-fingers-after-the-fall"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_nothing_typed_reaches_the_logs_even_at_debug_level(
    client, owner_client, practice, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    connection.force_debug_cursor = True  # as under DEBUG: every query passes the SQL logger
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _, token = IntakeLinkFactory.with_token(practice)
            client.post(
                reverse("intake:link", args=[token]),
                intake_data(condition_details=HEALTH, allergies=HEALTH),
            )
            appointment = AppointmentFactory(client__practice=practice, status="completed")
            owner_client.post(
                reverse("sessions:note", args=[appointment.public_id]),
                {
                    "assessment": HEALTH,
                    "subjective": HEALTH,
                    "areas-TOTAL_FORMS": "0",
                    "areas-INITIAL_FORMS": "0",
                },
            )
            _, reply_token = CheckInFactory.with_token(practice)
            client.post(
                reverse("checkin_reply", args=[reply_token]), {"answer": "worse", "comment": HEALTH}
            )
            dispatch.dispatch()
    finally:
        connection.force_debug_cursor = False

    assert connection.queries, "the flows ran queries"
    assert caplog.records, "something was logged, so the check below means something"
    assert HEALTH not in caplog.text


@pytest.mark.parametrize("debug", [False, True])
def test_an_error_shows_and_reports_nothing_the_client_typed(
    practice, monkeypatch, caplog, settings, debug
):
    settings.DEBUG = debug
    settings.ADMINS = [("Ops", "ops@example.com")]

    def broken(*args, **kwargs):
        answers = {"condition_details": HEALTH}  # a local the error report would show
        raise RuntimeError(f"could not save {len(answers)} answer(s)")

    monkeypatch.setattr(client_services, "submit_intake", broken)
    _, token = IntakeLinkFactory.with_token(practice)
    browser = BrowserClient(raise_request_exception=False)

    response = browser.post(
        reverse("intake:link", args=[token]), intake_data(condition_details=HEALTH)
    )

    assert response.status_code == 500
    assert HEALTH not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request"]
    report = ExceptionReporter(record.request, *record.exc_info)
    assert "could not save 1 answer(s)" in report.get_traceback_text()
    assert HEALTH not in report.get_traceback_text()
    assert HEALTH not in report.get_traceback_html()
    assert sys.exc_info() == (None, None, None)
