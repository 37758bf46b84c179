import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, MoveOn, MoveOnTemplate, Referral
from followups import dispatch
from followups.models import FollowUp, Kind
from practice.front import moving_on
from practice.models import Practitioner
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, FollowUpFactory


@pytest.fixture
def colleague(practice):
    return Practitioner.objects.create(
        practice=practice,
        name="Sam Okafor",
        profession="massage",
        specialties="deep tissue",
        clinic="Harbour Clinic",
        phone="020 7946 0001",
        email="sam@harbour.example",
    )


@pytest.fixture
def robin(practice, settings):
    settings.SITE_URL = "http://testserver"
    return ClientFactory(
        practice=practice,
        first_name="Robin",
        email="robin@example.com",
        email_consent=True,
        status="active",
    )


def test_the_message_is_drafted_with_the_colleagues_details(robin, colleague):
    text = moving_on.draft_message(robin, "needs", "refer", [colleague])

    assert text.startswith("Hello Robin,")
    assert "a kind of massage I do not offer" in text
    assert "Sam Okafor, massage therapist" in text and "020 7946 0001" in text


def test_the_practices_own_wording_is_used(robin, colleague, practice):
    MoveOnTemplate.objects.create(
        practice=practice,
        reason="needs",
        method="refer",
        body="Dear {{ first_name }}, try {{ practitioners }}",
    )

    text = moving_on.draft_message(robin, "needs", "refer", [colleague])

    assert text.startswith("Dear Robin, try Sam Okafor")


def test_moving_a_client_on_end_to_end(owner_client, robin, colleague):
    future = AppointmentFactory(client=robin, start=timezone.now() + datetime.timedelta(days=3))
    lapsed_message = FollowUpFactory(
        client=robin, kind=Kind.LAPSED, due_at=timezone.now() + datetime.timedelta(days=1)
    )
    url = reverse("moving_on:move_on", args=[robin.public_id])
    choice = {"reason": "needs", "method": "refer", "practitioners": [colleague.pk]}

    draft = owner_client.post(url, choice | {"action": "draft"})
    message = draft.context["form"].initial["message"]
    assert "Sam Okafor" in message
    edited = message.replace("I wish you well.", "I wish you well with your running.")
    owner_client.post(url, choice | {"action": "send", "message": edited})

    robin.refresh_from_db()
    future.refresh_from_db()
    lapsed_message.refresh_from_db()
    assert robin.status == Client.Status.MOVED_ON
    assert future.status == Appointment.Status.CANCELLED_PRACTICE
    assert lapsed_message.status == FollowUp.Status.CANCELLED
    assert not FollowUp.objects.filter(
        client=robin, kind=Kind.CANCELLATION, status="scheduled"
    ).exists()
    assert Referral.objects.get(client=robin).practitioner == colleague

    dispatch.dispatch()  # the real dispatcher and e-mail channel send it
    sent = FollowUp.objects.get(kind=Kind.MOVE_ON)
    assert sent.status == FollowUp.Status.SENT
    [email] = mail.outbox
    assert email.to == ["robin@example.com"]
    assert "with your running" in email.body
    assert email.subject == "A message from Calm Hands"

    timeline = owner_client.get(reverse("clients:detail", args=[robin.public_id]))
    assert "Message about moving on" in [e.title for e in timeline.context["timeline"]]


def test_referring_on_needs_a_colleague(owner_client, robin):
    response = owner_client.post(
        reverse("moving_on:move_on", args=[robin.public_id]),
        {"reason": "needs", "method": "refer", "action": "draft"},
    )
    assert "practitioners" in response.context["form"].errors


def test_moving_on_can_be_undone(owner_client, robin, colleague):
    record = moving_on.move_client_on(
        robin, reason="boundaries", method="end", practitioners=[], message="Goodbye", by=None
    )

    owner_client.post(reverse("moving_on:undo", args=[robin.public_id, record.public_id]))

    robin.refresh_from_db()
    record.refresh_from_db()
    assert robin.status == Client.Status.ACTIVE and record.undone_at is not None


def test_a_client_is_referred_while_staying(owner_client, robin, colleague):
    owner_client.post(
        reverse("moving_on:refer", args=[robin.public_id]),
        {"practitioners": [colleague.pk], "reason": "Needs a physio check"},
    )

    robin.refresh_from_db()
    assert robin.status == Client.Status.ACTIVE
    assert Referral.objects.get().reason == "Needs a physio check"
    assert not MoveOn.objects.exists()


def test_the_owner_changes_the_wording_and_can_go_back(owner_client, practice):
    url = reverse("moving_on:wording")
    names = [row["name"] for row in owner_client.get(url).context["rows"]]
    assert len(names) == 12

    owner_client.post(url, {"wording-full-decline": "Sorry {{ first_name }}, I am full."})
    assert MoveOnTemplate.objects.get().body == "Sorry {{ first_name }}, I am full."
    assert MoveOnTemplate.objects.count() == 1  # unchanged defaults are not stored

    owner_client.post(url, {"wording-full-decline": ""})
    assert not MoveOnTemplate.objects.exists()


def test_assistants_cannot_change_the_wording(assistant_client):
    assert assistant_client.get(reverse("moving_on:wording")).status_code == 403
