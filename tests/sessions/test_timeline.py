import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Appointment

from ..factories import (
    AppointmentFactory,
    ClientFactory,
    IntakeSubmissionFactory,
    NoteAreaFactory,
    SessionNoteFactory,
)


def test_the_client_page_shows_one_timeline_newest_first(owner_client, practice):
    client = ClientFactory(practice=practice)
    now = timezone.now()
    IntakeSubmissionFactory(client=client, version=1, submitted_at=now - datetime.timedelta(days=9))
    AppointmentFactory(
        client=client, start=now - datetime.timedelta(days=7), status=Appointment.Status.NO_SHOW
    )
    note = SessionNoteFactory(
        appointment__client=client, appointment__start=now - datetime.timedelta(days=2)
    )
    NoteAreaFactory(note=note, max_pain=9)
    note.pain_flagged = True
    note.save()

    response = owner_client.get(reverse("clients:detail", args=[client.public_id]))

    entries = [(e.kind, e.detail, e.flags) for e in response.context["timeline"]]
    assert entries == [
        ("note", "draft, not signed", ["pain at threshold"]),
        ("session", "Completed", []),
        ("session", "No-show", []),
        ("intake", "Personal link", []),
    ]


@pytest.mark.parametrize("count", [1, 15])
def test_the_timeline_runs_a_fixed_number_of_queries(
    owner_client, practice, count, django_assert_max_num_queries
):
    client = ClientFactory(practice=practice)
    for n in range(count):
        SessionNoteFactory(
            appointment__client=client,
            appointment__start=timezone.now() - datetime.timedelta(days=n),
        )
        IntakeSubmissionFactory(client=client, version=n + 1)

    # The page, a fixed number for each app's timeline entries (none per row), one audit row.
    url = reverse("clients:detail", args=[client.public_id])
    # incl. the two-step sign-in check; one query for each app's entries (18 since payments)
    with django_assert_max_num_queries(18):
        response = owner_client.get(url)
    assert len(response.context["timeline"]) == min(3 * count, 40)  # the newest 40
    assert ("Show the whole history" in response.content.decode()) == (3 * count > 40)
    with django_assert_max_num_queries(18):
        whole = owner_client.get(url, {"timeline": "all"})
    assert len(whole.context["timeline"]) == 3 * count
    assert whole.context["timeline"][-1].when <= response.context["timeline"][-1].when
