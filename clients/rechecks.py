"""A health re-check before each visit: for a returning client, whether what they told us
still holds.

A full intake form is asked again once the newest is older than the practice's limit
(12 months unless it says otherwise). Between full forms, the reminder before a visit
asks "has anything changed since your last visit?": one tap says nothing did (a
HealthCheck), or the client updates their form (a new IntakeSubmission, itself a check).
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from practice import dates

from .models import Client, HealthCheck

UP_TO_DATE, RECHECKED, NOT_RECHECKED, OUT_OF_DATE = "current", "rechecked", "due", "stale"


@dataclass(frozen=True)
class Status:
    """How far the therapist can rely on a client's health answers for one session."""

    state: str
    label: str

    @property
    def needs_attention(self):
        return self.state in (NOT_RECHECKED, OUT_OF_DATE)


def oldest_current(practice, at):
    """The earliest moment an intake may have been given and still count at `at`."""
    months = practice.intake_max_age_months
    return at - datetime.timedelta(days=round(months * 365.25 / 12))


def out_of_date(client, practice, at=None):
    """Whether the client should fill in the whole form again before a session at `at`."""
    return stale(client.intake_completed_at, practice, at or timezone.now())


def stale(given, practice, at):
    return given is None or given < oldest_current(practice, at)


def status(practice, *, start, given, checked, previous_visit):
    """The client's health answers as they stand for a session starting at `start`: their
    newest intake was `given`, they last re-checked at `checked`, and their previous
    visit (None before a first one) started at `previous_visit`."""
    if given is None:
        return Status(OUT_OF_DATE, "Intake not done")
    if stale(given, practice, start):
        return Status(OUT_OF_DATE, f"Intake out of date (given {dates.brief(given, practice)})")
    if previous_visit is None or given > previous_visit:
        return Status(UP_TO_DATE, f"Intake up to date ({dates.brief(given, practice)})")
    if checked and checked > previous_visit:
        return Status(RECHECKED, f"Health re-checked {dates.brief(checked, practice)}")
    return Status(NOT_RECHECKED, "Not re-checked since the last visit")


def nothing_changed(client, *, ip=None):
    """Record the client's "nothing has changed" (once per day is enough: a second tap on
    the same link the same day records nothing new)."""
    now = timezone.now()
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        latest = client.health_checks.first()
        today = dates.local(now, client.practice).date()
        if (
            latest
            and not latest.changed
            and dates.local(latest.checked_at, client.practice).date() == today
        ):
            return latest
        check = HealthCheck.objects.create(
            practice=client.practice, client=client, checked_at=now, ip_address=ip
        )
        Client.objects.filter(pk=client.pk).update(health_checked_at=now)
    return check


def changed(submission):
    """A returning client updated their form: the new version is their re-check."""
    client = submission.client
    HealthCheck.objects.get_or_create(
        submission=submission,
        defaults={
            "practice": submission.practice,
            "client": client,
            "checked_at": submission.submitted_at,
            "changed": True,
            "ip_address": submission.ip_address,
        },
    )
