import datetime

from django.urls import reverse
from django.utils import timezone

from followups.models import FollowUp, Kind

from ..factories import CheckInFactory, ClientFactory, FollowUpFactory


def test_messages_and_checkin_answers_are_on_the_client_timeline(owner_client, practice):
    client = ClientFactory(practice=practice)
    now = timezone.now()
    hours_ago = lambda hours: now - datetime.timedelta(hours=hours)  # noqa: E731
    FollowUpFactory(
        client=client,
        kind=Kind.CHECKIN,
        status=FollowUp.Status.SENT,
        due_at=hours_ago(30),
        sent_at=hours_ago(29),
        delivered_at=hours_ago(29),
    )
    FollowUpFactory(
        client=client,
        kind=Kind.LAPSED,
        channel="sms",
        status=FollowUp.Status.FAILED,
        due_at=hours_ago(20),
    )
    FollowUpFactory(client=client, kind=Kind.THANK_YOU, due_at=now + datetime.timedelta(days=1))
    CheckInFactory(
        appointment__client=client,
        appointment__start=hours_ago(50),
        answer="worse",
        comment="My shoulder aches more than before.",
        answered_at=hours_ago(10),
    )
    CheckInFactory(appointment__client=client, appointment__start=hours_ago(40))  # no answer

    response = owner_client.get(reverse("clients:detail", args=[client.public_id]))

    entries = [
        (e.kind, e.title, e.detail, e.flags)
        for e in response.context["timeline"]
        if e.kind in ("message", "checkin")
    ]
    assert entries == [
        (
            "checkin",
            "Check-in answer: Worse",
            "My shoulder aches more than before.",
            ["worse"],
        ),
        ("message", "Win-back for a lapsed client", "Text message · Failed", ["failed"]),
        ("message", "Check-in after a session", "E-mail · Delivered", []),
    ]
    page = response.content.decode()
    assert "Check-in answer: Worse" in page
    assert "Text message · Failed" in page
