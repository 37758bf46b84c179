import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintStep
from followups.models import FollowUp, Kind

from ..factories import AppointmentFactory, ClientFactory, ComplaintFactory

Step = ComplaintStep.Step
RECEIVED = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def complaint(practice):
    return ComplaintFactory(client__practice=practice, received_at=RECEIVED)


def test_recording_a_complaint_links_the_clients_sessions(owner_client, practice):
    client = ClientFactory(practice=practice)
    session = AppointmentFactory(client=client)

    response = owner_client.post(
        reverse("complaints:create") + f"?client={client.public_id}",
        {
            "client": client.pk,
            "received_at": "2026-11-20T09:00",
            "received_via": "phone",
            "category": "pressure",
            "severity": "medium",
            "client_words": "Too much pressure.",
            "sessions": [session.pk],
        },
    )

    complaint = Complaint.objects.get()
    assert response.url == reverse("complaints:detail", args=[complaint.public_id])
    assert list(complaint.sessions.all()) == [session]


def test_a_complaint_cannot_link_another_clients_session(owner_client, practice):
    client = ClientFactory(practice=practice)
    someone_else = AppointmentFactory(client__practice=practice)

    response = owner_client.post(
        reverse("complaints:create"),
        {
            "client": client.pk,
            "received_at": "2026-11-20T09:00",
            "received_via": "phone",
            "category": "pressure",
            "severity": "medium",
            "client_words": "Too hard.",
            "sessions": [someone_else.pk],
        },
    )

    assert "sessions" in response.context["form"].errors
    assert "Too hard." in response.content.decode()


@pytest.mark.parametrize(("hours_later", "overdue"), [(23, False), (24, False), (25, True)])
def test_an_unacknowledged_complaint_is_overdue_after_24_hours(complaint, hours_later, overdue):
    assert complaint.is_overdue(RECEIVED + datetime.timedelta(hours=hours_later)) is overdue


def test_acknowledging_stops_the_clock(complaint, owner):
    with time_machine.travel(RECEIVED + datetime.timedelta(hours=5), tick=False):
        services.record_step(complaint, Step.LISTENED, owner, note="Called back.")

    assert complaint.time_to_acknowledge() == datetime.timedelta(hours=5)
    assert not complaint.is_overdue(RECEIVED + datetime.timedelta(days=3))


def test_the_steps_walk_to_a_closed_complaint(complaint, owner):
    services.record_step(complaint, Step.LISTENED, owner)
    services.record_step(complaint, Step.APOLOGISED, owner)
    services.record_step(complaint, Step.EXPLAINED, owner, note="Pressure was too deep.")
    services.record_step(complaint, Step.AGREED, owner, note="Lighter next time.")
    services.record_step(complaint, Step.OFFERED, owner, offer="complimentary", offer_value=60)
    follow_up = timezone.now() + datetime.timedelta(days=7)
    services.record_step(complaint, Step.FOLLOW_UP, owner, follow_up_at=follow_up)
    services.record_step(
        complaint,
        Step.CLOSED,
        owner,
        outcome="Happy to come back.",
        lessons="Check pressure every few minutes.",
    )

    complaint.refresh_from_db()
    assert not complaint.is_open
    assert (complaint.offer, complaint.offer_value) == ("complimentary", 60)
    planned = FollowUp.objects.get(kind=Kind.COMPLAINT)
    assert (planned.client, planned.due_at) == (complaint.client, follow_up)
    with pytest.raises(ValidationError, match="closed"):
        services.record_step(complaint, Step.APOLOGISED, owner)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (Step.OFFERED, "what you offered"),
        (Step.FOLLOW_UP, "when to follow up"),
        (Step.CLOSED, "outcome"),
    ],
)
def test_steps_that_need_details_say_so(complaint, owner, step, message):
    with pytest.raises(ValidationError, match=message):
        services.record_step(complaint, step, owner)


def test_a_step_is_recorded_once(complaint, owner):
    services.record_step(complaint, Step.LISTENED, owner)
    with pytest.raises(ValidationError, match="already done"):
        services.record_step(complaint, Step.LISTENED, owner)


def test_steps_through_the_page_with_a_clear_message_on_bad_input(owner_client, complaint):
    url = reverse("complaints:step", args=[complaint.public_id])

    bad = owner_client.post(url, {"step": "offered", "offer_value": "-3"}, follow=True)
    good = owner_client.post(url, {"step": "listened", "note": "Rang her"}, follow=True)

    assert "Ensure this value is greater than or equal to 0." in bad.content.decode()
    assert "Step recorded." in good.content.decode()
    assert complaint.steps.get().note == "Rang her"


def test_complaints_and_offers_are_on_the_client_timeline(owner_client, complaint, owner):
    services.record_step(complaint, Step.OFFERED, owner, offer="gift_card", offer_value=25)

    response = owner_client.get(reverse("clients:detail", args=[complaint.client.public_id]))

    titles = [(e.title, e.detail) for e in response.context["timeline"]]
    assert ("Complaint: Pressure", "Phone") in titles
    assert ("Offered something for the trouble", "Gift card (25.00).") in titles


def test_the_dashboard_shows_an_overdue_complaint_in_red(owner_client, complaint):
    with time_machine.travel(RECEIVED + datetime.timedelta(hours=30), tick=False):
        html = owner_client.get(reverse("dashboard")).content.decode()

    assert "not acknowledged for 1" in html
    assert "list-group-item-danger" in html


@time_machine.travel(RECEIVED, tick=False)
def test_the_complaint_page_shows_when_the_follow_up_is_due_and_its_state(
    owner_client, complaint, owner
):
    complaint.client.email, complaint.client.email_consent = "ada@example.com", True
    complaint.client.save()
    follow_up = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)
    services.record_step(complaint, Step.FOLLOW_UP, owner, follow_up_at=follow_up)

    page = owner_client.get(reverse("complaints:detail", args=[complaint.public_id]))

    line = page.content.decode().split('id="complaint-followup"')[1].split("</p>")[0]
    assert "Complaint follow-up" in line
    assert "27 Nov 2026, 10:00" in line
    assert "E-mail" in line and "Scheduled" in line
