import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from practice.models import Heartbeat, Membership
from practice.tasks import HEARTBEAT
from sessions.models import Appointment
from sessions.services import sign_note

from ..factories import (
    AppointmentFactory,
    CheckInFactory,
    ClientFactory,
    ComplaintFactory,
    IncidentFactory,
    IntakeSubmissionFactory,
    SessionNoteFactory,
)

URL = reverse("dashboard")
TODAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.mark.parametrize(
    ("expires", "shown"),
    [
        (datetime.date(2026, 12, 23), "expires in 30 days"),
        (datetime.date(2026, 11, 24), "expires in 1 day "),
        (datetime.date(2026, 11, 23), "expires today"),
        (datetime.date(2026, 11, 1), "expired on"),
    ],
)
def test_it_warns_about_insurance_ending_within_30_days(owner_client, practice, expires, shown):
    practice.insurance_expires_on = expires
    practice.save()

    html = owner_client.get(URL).content.decode()

    assert shown in html


def test_it_is_quiet_about_insurance_with_more_than_30_days_left(owner_client, practice):
    practice.insurance_expires_on = datetime.date(2026, 12, 24)
    practice.save()

    assert "indemnity insurance expire" not in owner_client.get(URL).content.decode()


def test_it_lists_the_settings_still_to_fill_in(owner_client, practice):
    response = owner_client.get(URL)
    assert "your cancellation policy" in response.context["setup_missing"]

    practice.insurer_name, practice.insurance_policy_number = "Mutual", "PI-1"
    practice.insurance_expires_on = datetime.date(2027, 6, 1)
    practice.insurer_claims_email = "claims@mutual.example"
    practice.cancellation_policy = practice.late_arrival_policy = "Be kind."
    practice.save()

    assert owner_client.get(URL).context["setup_missing"] == []


def test_it_says_when_background_jobs_have_never_run(owner_client):
    html = owner_client.get(URL).content.decode()
    assert "Scheduled messages are not going out" in html
    assert "not started yet" in html


def test_it_shows_recent_background_jobs_as_healthy(owner_client):
    Heartbeat.objects.create(name=HEARTBEAT, last_seen_at=timezone.now())

    html = owner_client.get(URL).content.decode()

    assert "Scheduled messages are not going out" not in html
    assert "Background jobs last ran now" in html


def test_it_warns_when_background_jobs_stopped(owner_client, settings):
    last = timezone.now() - datetime.timedelta(seconds=settings.HEARTBEAT_STALE_AFTER_SECONDS + 1)
    Heartbeat.objects.create(name=HEARTBEAT, last_seen_at=last)

    html = owner_client.get(URL).content.decode()

    assert "Scheduled messages are not going out" in html
    assert "not run since 23 Nov, 08:54" in html


def test_an_assistant_sees_the_dashboard_without_settings_links(assistant_client):
    response = assistant_client.get(URL)

    assert response.status_code == 200
    assert reverse("practice:settings") not in response.content.decode()


@pytest.mark.parametrize("count", [1, 14])
def test_it_runs_a_fixed_number_of_queries(
    owner_client, practice, count, django_assert_max_num_queries
):
    now = timezone.now()
    for _ in range(count):  # rows for every section
        client = ClientFactory(practice=practice, status="active", source="search")
        IntakeSubmissionFactory(client=client, needs_review=True)
        AppointmentFactory(client=client, start=now, status="booked")
        AppointmentFactory(client=client, start=now + datetime.timedelta(days=1))
        for weeks in (20, 24, 28):
            CheckInFactory(
                appointment__client=client,
                answer="better",
                rating=4,
                appointment__start=now - datetime.timedelta(weeks=weeks),
                answered_at=now,
            )
        ComplaintFactory(client=client)
        IncidentFactory(client=client)
        CheckInFactory(  # a "worse" answer, on a session whose note was never written
            appointment__client=client,
            appointment__start=now - datetime.timedelta(days=2),
            answer="worse",
            comment="Sore since.",
            answered_at=now,
        )

    # One query per section (and the page's own few); it must not grow with the rows.
    # incl. the two-step sign-in check (2), what the follow-ups brought back (2) and the
    # online bookings waiting for confirmation (1), and the money paid and owed (2)
    with django_assert_max_num_queries(28):
        response = owner_client.get(URL)
    context = response.context
    assert len(context["intakes_to_review"]) == min(count, 5)
    assert len(context["today"]) == min(count, 12)
    shown = [context[name] for name in ("worse", "open_complaints", "open_incidents")]
    assert [len(rows) for rows in shown] == [min(count, 10)] * 3
    assert len(context["unsigned"]) == min(4 * count, 10)  # the check-ins' sessions too
    assert ("see the whole day" in response.content.decode()) == (count > 12)


def test_it_lists_intake_forms_waiting_for_review_and_new_enquiries(owner_client, practice):
    matched = ClientFactory(practice=practice, first_name="Robin", last_name="Hale")
    IntakeSubmissionFactory(client=matched, needs_review=True)
    ClientFactory(practice=practice)  # a prospect from this week

    html = owner_client.get(URL).content.decode()

    assert "A new-client form matches Robin Hale" in html
    assert "2 new enquiries this week" in html


def test_it_lists_session_notes_left_unsigned_for_a_day(owner_client, practice, owner):
    old = timezone.now() - datetime.timedelta(hours=30)
    unsigned = SessionNoteFactory(
        appointment__client__practice=practice,
        appointment__client__first_name="Una",
        appointment__start=old,
    )
    AppointmentFactory(
        client__practice=practice,
        client__first_name="Nora",
        start=old,
        status=Appointment.Status.COMPLETED,
    )  # no note at all
    signed = SessionNoteFactory(
        appointment__client__practice=practice,
        appointment__client__first_name="Sian",
        appointment__start=old,
    )
    sign_note(signed, Membership.objects.get(user=owner))
    SessionNoteFactory(
        appointment__client__practice=practice, appointment__client__first_name="Fresh"
    )  # today: not overdue yet

    names = [a.client.first_name for a in owner_client.get(URL).context["unsigned"]]

    assert sorted(names) == ["Nora", "Una"]
    assert not unsigned.is_signed


def test_it_shows_clients_slipping_away_with_the_revenue_at_risk(owner_client, practice):
    regular = ClientFactory(practice=practice, status="active", first_name="Lapsed")
    last = timezone.now() - datetime.timedelta(days=60)
    for n in range(4):  # every 28 days at 60, last seen 60 days ago
        AppointmentFactory(
            client=regular,
            start=last - datetime.timedelta(days=28 * n),
            status=Appointment.Status.COMPLETED,
            price=60,
        )

    response = owner_client.get(URL)

    assert [row["client"] for row in response.context["lapsed"]] == [regular]
    assert response.context["revenue_at_risk"] == round(60 * 365 / 28, 2)
    assert "about <strong>782 GBP</strong> a year" in response.content.decode()

    # The figures are kept for a few minutes, but booking the client forgets them at once.
    owner_client.post(
        reverse("sessions:create"),
        {
            "client": regular.pk,
            "start": (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 60,
        },
    )
    assert regular.appointments.filter(status=Appointment.Status.BOOKED).exists()
    assert owner_client.get(URL).context["lapsed"] == []


def test_one_request_at_a_time_works_out_the_figures_and_the_others_are_drawn_at_once(
    owner_client, practice, monkeypatch
):
    from django.core.cache import cache

    from practice.front import dashboard, metrics

    worked_out = []
    rebooking = metrics.rebooking
    monkeypatch.setattr(
        metrics, "rebooking", lambda *args: worked_out.append(1) or rebooking(*args)
    )
    # Another request is working them out, and nothing is kept yet: the note, no figures.
    cache.add(dashboard.figures_lock_key(practice), True, 60)
    html = owner_client.get(URL).content.decode()
    assert 'id="figures-pending"' in html and 'id="money-heading"' not in html
    assert worked_out == []

    cache.delete(dashboard.figures_lock_key(practice))
    html = owner_client.get(URL).content.decode()
    assert 'id="money-heading"' in html and "figures-updating" not in html
    assert worked_out == [1]
    assert owner_client.get(URL).status_code == 200 and worked_out == [1]  # kept

    # A session is booked: the kept set is out of date. While another request works out
    # the new one, this one shows the last set, saying so.
    AppointmentFactory(client=ClientFactory(practice=practice), start=TODAY)
    cache.add(dashboard.figures_lock_key(practice), True, 60)
    html = owner_client.get(URL).content.decode()
    assert 'id="money-heading"' in html and 'id="figures-updating"' in html
    assert worked_out == [1]
    cache.delete(dashboard.figures_lock_key(practice))
    html = owner_client.get(URL).content.decode()
    assert "figures-updating" not in html and worked_out == [1, 1]


def test_a_change_while_the_figures_are_worked_out_is_not_hidden_by_them(
    owner_client, practice, monkeypatch
):
    from practice.front import metrics

    worked_out = []
    rebooking = metrics.rebooking

    def booked_meanwhile(*args):
        worked_out.append(1)
        if len(worked_out) == 1:  # a session booked while the first set is being made
            AppointmentFactory(client=ClientFactory(practice=practice), start=TODAY)
        return rebooking(*args)

    monkeypatch.setattr(metrics, "rebooking", booked_meanwhile)
    owner_client.get(URL)
    owner_client.get(URL)
    owner_client.get(URL)
    assert worked_out == [1, 1]  # the second view made a new set; the third kept it
