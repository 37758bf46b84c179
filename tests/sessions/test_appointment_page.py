import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from followups.models import FollowUp, Kind
from sessions import services
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory

Status = Appointment.Status


@pytest.fixture
def booked(practice):
    client = ClientFactory(practice=practice, email="ada@example.com", email_consent=True)
    return AppointmentFactory(client=client, start=timezone.now() + datetime.timedelta(days=3))


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Status.CANCELLED_CLIENT, "the session was cancelled"),
        (Status.LATE_CANCELLATION, "the session was cancelled"),
        (Status.CANCELLED_PRACTICE, "the session was cancelled"),
        (Status.NO_SHOW, "the client did not come"),
        (Status.COMPLETED, "the session took place"),
    ],
)
def test_a_sessions_reminder_says_why_it_was_dropped(booked, status, reason):
    services.change_status(booked, status, by=None)

    reminder = FollowUp.objects.get(appointment=booked, kind=Kind.REMINDER)
    assert (reminder.status, reminder.skip_reason) == (FollowUp.Status.CANCELLED, reason)


def test_the_session_page_lists_the_messages_planned_for_it(owner_client, booked):
    owner_client.post(
        reverse("sessions:status", args=[booked.public_id]), {"action": "cancel_client"}
    )

    page = owner_client.get(reverse("sessions:detail", args=[booked.public_id])).content.decode()

    section = page.split('id="messages-h"')[1]
    assert "Appointment reminder" in section
    assert "Cancelled: the session was cancelled" in section
    assert "Follow-up after a cancellation" in section
    assert "E-mail · Scheduled" in section


def test_a_session_with_nothing_planned_says_so(owner_client, practice):
    appointment = AppointmentFactory(
        client__practice=practice, start=timezone.now() - datetime.timedelta(days=30)
    )
    FollowUp.objects.filter(appointment=appointment).delete()

    page = owner_client.get(
        reverse("sessions:detail", args=[appointment.public_id])
    ).content.decode()

    assert "None planned." in page
