"""After a backup is restored, nothing goes out that may already have gone: a message due
after the backup was taken, or being sent at that moment, waits for the practice."""

import datetime
import uuid

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from followups.models import FollowUp
from followups.services import RESTORE_HELD, retry
from practice.backups import restored
from practice.models import Backup

from ..factories import FollowUpFactory

TAKEN = datetime.datetime(2026, 12, 5, 3, 0, tzinfo=datetime.UTC)  # the nightly backup
RESTORED = datetime.datetime(2026, 12, 5, 15, 0, tzinfo=datetime.UTC)  # after the loss

Status = FollowUp.Status


def due(hours_after_backup, **fields):
    return FollowUpFactory(due_at=TAKEN + datetime.timedelta(hours=hours_after_backup), **fields)


@time_machine.travel(RESTORED, tick=False)
@pytest.mark.django_db
@scopes_disabled()
def test_what_was_due_after_the_backup_waits_for_the_practice():
    late_before = due(-0.1)  # due before the backup, not yet sent: goes as usual
    in_gap = due(5)  # due while the lost server was running: may have gone
    sending = due(-0.2, status=Status.SENDING, lease_token=uuid.uuid4())  # mid-send
    ahead = due(20)  # not due yet: goes at its time
    sent = due(-3, status=Status.SENT, sent_at=TAKEN - datetime.timedelta(hours=3))

    restored.send(Backup, taken_at=TAKEN)

    statuses = {row.pk: (row.status, row.last_error) for row in FollowUp.objects.all()}
    assert statuses[late_before.pk] == (Status.SCHEDULED, "")
    assert statuses[ahead.pk] == (Status.SCHEDULED, "")
    assert statuses[sent.pk] == (Status.SENT, "")
    assert statuses[in_gap.pk] == (Status.FAILED, RESTORE_HELD)
    assert statuses[sending.pk] == (Status.FAILED, RESTORE_HELD)
    assert FollowUp.objects.get(pk=sending.pk).lease_token is None


@time_machine.travel(RESTORED, tick=False)
@pytest.mark.django_db
@scopes_disabled()
def test_without_the_moment_of_the_backup_nothing_due_is_sent_again_by_itself():
    earlier = due(-1)
    ahead = due(20)

    restored.send(Backup, taken_at=None)

    assert FollowUp.objects.get(pk=earlier.pk).status == Status.FAILED
    assert FollowUp.objects.get(pk=ahead.pk).status == Status.SCHEDULED


@time_machine.travel(RESTORED, tick=False)
@pytest.mark.django_db
def test_the_practice_sees_why_and_can_send_it_again(owner_client, practice):
    with scopes_disabled():
        held = due(5, client__practice=practice)
    restored.send(Backup, taken_at=TAKEN)

    page = owner_client.get(reverse("followups:list"), {"show": "failed"}).content.decode()
    assert "may have gone out before the server was lost" in page
    with scopes_disabled():
        assert retry(FollowUp.objects.get(pk=held.pk))
        assert FollowUp.objects.get(pk=held.pk).status == Status.SCHEDULED
