"""Erasing a client at their request, and purging what had to be kept, later.

Each app says how to erase its own part of a client through an `Eraser` registered in its
AppConfig.ready, as it adds to the timeline and the record export: this module never
imports the apps above it. `tests/clients/test_erasure.py` checks that every model holding
a client's data is covered by some eraser.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

import pgtrigger
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from practice.models import AuditEvent

from .models import Client

ERASED_NAME = "Erased"
NAME_WHEN_ERASED = {"first_name": ERASED_NAME, "last_name": "client"}


def blank_value(name):
    """What an erased client keeps in a personal field: nothing (its empty value)."""
    field = Client._meta.get_field(name)
    if field.null:
        return None
    return field.get_default() if field.has_default() else ""


PERSONAL_FIELDS = {
    name: NAME_WHEN_ERASED.get(name, blank_value(name))
    for name in (*Client.CONTACT_DETAILS, *Client.OTHER_PERSONAL_DETAILS)
}


@dataclass(frozen=True)
class Eraser:
    """How one app erases its part of a client.

    `erase(client)` runs when the client is erased: it removes what is personal now and
    returns counts of what it took out of the practice's day ({"bookings_cancelled": 2}).
    `purge(client)` deletes what had to be kept, once the retention period is over; apps
    purge in `purge_order`, lowest first (what refers to another app's rows goes before
    them). `triggers` are the database protections the purge may lift for its deletes.
    `models` names every model of the app that holds a client's data ("app_label.Model").
    """

    name: str
    models: tuple
    erase: object = None
    purge: object = None
    purge_order: int = 50
    triggers: tuple = ()


_erasers = []


def register(eraser):
    if all(e.name != eraser.name for e in _erasers):
        _erasers.append(eraser)
    return eraser


def erasers():
    return list(_erasers)


@dataclass
class Erased:
    """What erasing took out of the practice's day, for the therapist."""

    counts: Counter = field(default_factory=Counter)

    @property
    def bookings_cancelled(self):
        return self.counts["bookings_cancelled"]

    @property
    def messages_cancelled(self):
        return self.counts["messages_cancelled"]


@transaction.atomic
def erase_client(client):
    """Remove personal data now; keep signed notes and incidents for the retention period.
    Future bookings are cancelled and planned messages dropped, without telling anyone
    (there is nobody left to tell); return how many of each."""
    erased = Erased()
    for eraser in _erasers:
        if eraser.erase is not None:
            erased.counts.update(eraser.erase(client) or {})
    return erased


def erase_personal_details(client):
    """The clients app's own part: the record's personal fields, forms, links, consents."""
    for name, value in PERSONAL_FIELDS.items():
        setattr(client, name, value)
    client.status = Client.Status.INACTIVE
    client.erased_at = timezone.now()
    client.retain_until = retention_end(client)
    client.save()
    client.health_checks.all().delete()
    client.intake_submissions.all().delete()
    client.intake_links.all().delete()
    client.consent_events.all().delete()
    client.referrals.all().delete()
    client.move_ons.all().delete()
    return {}


def retention_end(client):
    last = client.appointments.aggregate(last=Max("start"))["last"] or timezone.now()
    years = settings.CLINICAL_RETENTION_YEARS
    day = timezone.localtime(last).date()
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def purge(client):
    """Delete everything left of an erased client whose retention period is over, and say
    so in the audit trail. The database refuses to change or delete signed records and the
    audit trail (see the models' triggers); this is the one path that may."""
    ordered = sorted(_erasers, key=lambda eraser: eraser.purge_order)
    with pgtrigger.ignore(*[name for eraser in ordered for name in eraser.triggers]):
        for eraser in ordered:
            if eraser.purge is not None:
                eraser.purge(client)
    AuditEvent.objects.create(
        practice=client.practice,
        action=AuditEvent.Action.CHANGE,
        what=f"purged the records of an erased client, kept until {client.retain_until}",
    )


def delete_client(client):
    client.delete()


# The clients app's own eraser (registered first, so it erases first; it purges last). The
# audit trail keeps its rows: they let go of the client when the client goes.
CLIENTS = Eraser(
    name="clients",
    models=(
        "clients.Client",
        "clients.ConsentEvent",
        "clients.HealthCheck",
        "clients.IntakeLink",
        "clients.IntakeSubmission",
        "clients.Referral",
        "clients.MoveOn",
        "practice.AuditEvent",
    ),
    erase=erase_personal_details,
    purge=delete_client,
    purge_order=100,
    triggers=("practice.AuditEvent:audit_trail_append_only",),
)


def due_for_purge(today=None):
    today = today or datetime.date.today()
    return Client.objects.filter(erased_at__isnull=False, retain_until__lt=today)
