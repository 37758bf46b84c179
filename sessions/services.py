"""Workflows of appointments and session notes.

`change_status` is the one place where an appointment is completed, cancelled or marked a
no-show: it sends `appointment_status_changed`, which the follow-up engine listens to.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from clients import rechecks
from clients.models import Client
from practice.navigation import url_for_ids

from . import availability, body, signals
from .models import Appointment, NoteAmendment, NoteTemplate, Service, SessionNote, Technique

DEFAULT_SERVICES = [("Massage, 60 minutes", 60, 60), ("Massage, 90 minutes", 90, 85)]
DEFAULT_TECHNIQUES = [
    "Swedish",
    "Deep tissue",
    "Trigger point",
    "Myofascial release",
    "Sports",
    "Pregnancy",
]
UNSIGNED_AFTER = timezone.timedelta(hours=24)


def create_defaults(practice):
    """Give a new practice a starting list of services and techniques to edit."""
    for name, minutes, price in DEFAULT_SERVICES:
        Service.objects.create(practice=practice, name=name, duration_minutes=minutes, price=price)
    for name in DEFAULT_TECHNIQUES:
        Technique.objects.create(practice=practice, name=name)


@transaction.atomic
def change_status(appointment, status, *, by, reason="", minutes_late=None):
    """Move a booked appointment to what happened; refuse anything else."""
    appointment.check_transition(status)
    old = appointment.status
    appointment.status = status
    appointment.status_changed_at = timezone.now()
    if status in Appointment.CANCELLED:
        appointment.cancellation_reason = reason
    if status == Appointment.Status.COMPLETED:
        appointment.minutes_late = minutes_late or None
    appointment.save()
    signals.appointment_status_changed.send(
        sender=Appointment, appointment=appointment, old_status=old, by=by
    )
    return appointment


def reschedule(appointment, start, duration_minutes):
    """The practice moves a session; raises availability.Unavailable when it would overlap
    another of the same therapist."""
    if not appointment.is_booked:
        raise ValidationError("Only a booked session can be moved.")
    appointment.start = start
    appointment.duration_minutes = duration_minutes
    availability.save_unless_taken(appointment)


def flag_pain(note):
    """Flag the note when any pain reached the practice's threshold; return the highest."""
    highest = note.highest_pain()
    note.pain_flagged = highest is not None and highest >= note.practice.pain_threshold
    note.save(update_fields=["pain_flagged"])
    return highest


def require_owner(membership, action):
    if not membership.is_owner:
        raise PermissionDenied(f"Only the therapist who owns the practice can {action} notes.")


@transaction.atomic
def sign_note(note, membership):
    """Lock the note and keep a SHA-256 of its content."""
    require_owner(membership, "sign")
    if note.is_signed:
        raise ValidationError("This note is already signed.")
    if note.pain_flagged and not note.pain_flag_reason.strip():
        raise ValidationError(
            "Pain reached the threshold in this session: write why before signing."
        )
    if not note.consent_confirmed:
        raise ValidationError("Confirm the client's consent to treatment before signing.")
    content = note.canonical()
    note.signed_at = timezone.now()
    note.signed_by = membership.user
    note.signed_content = content
    note.signed_hash = note.content_hash = SessionNote.hash_of(content)
    note.signed_in = current_transaction()
    Appointment.objects.filter(pk=note.appointment_id).update(note_signed=True)
    note.save(
        update_fields=[
            "signed_at",
            "signed_by",
            "signed_content",
            "signed_hash",
            "content_hash",
            "signed_in",
            "updated_at",
        ]
    )
    return note


@transaction.atomic  # the change and its amendment, or neither (the database checks it)
def amend_note(note, membership, reason, apply_changes):
    """Change a signed note through `apply_changes(note)`, recording every changed field."""
    require_owner(membership, "amend")
    if not note.is_signed:
        raise ValidationError("Unsigned notes are edited directly.")
    # Read "before" from the database: a bound form has already changed `note` in memory.
    before = SessionNote.objects.get(pk=note.pk).canonical()
    apply_changes(note)
    note.refresh_from_db()
    flag_pain(note)
    after = note.canonical()
    changes = [
        {
            "field": key,
            "label": field_label(key),
            "old": before.get(key),
            "new": after[key],
            "old_text": value_text(key, before.get(key)),
            "new_text": value_text(key, after[key]),
        }
        for key in after
        if before.get(key) != after[key]
    ]
    if not changes:
        raise ValidationError("Nothing was changed.")
    amendment = NoteAmendment.objects.create(
        practice=note.practice,
        note=note,
        by=membership.user,
        reason=reason,
        changes=changes,
        hash_before=note.content_hash,
        hash_after=SessionNote.hash_of(after),
        written_in=current_transaction(),
    )
    note.content_hash = amendment.hash_after
    note.save(update_fields=["content_hash", "updated_at"])
    return amendment


def current_transaction():
    """PostgreSQL's id of the (top-level) transaction: the database lets a signed note
    change only in a transaction that wrote an amendment of it (see SessionNote.Meta)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        return cursor.fetchone()[0]


def field_label(key):
    if key in SessionNote.CLINICAL_FIELDS:
        return str(SessionNote._meta.get_field(key).verbose_name).capitalize()
    return key.replace("_", " ").capitalize()


def value_text(key, value):
    """A readable form of a note value, for the amendment list."""
    if key == "areas":
        return "; ".join(area_text(area) for area in value or []) or "none"
    if isinstance(value, list):
        return ", ".join(value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value in (None, "") else str(value)


def area_text(area):
    name = body.REGION_LABELS.get(area["region"], area["region"])
    return (
        f"{name} ({area['side']}, {area['aspect']}): pressure {area['pressure'] or '—'}/5, "
        f"pain {area['max_pain'] if area['max_pain'] is not None else '—'}/10"
    )


def previous_note(appointment):
    """The client's latest note from an earlier session, for "copy from last note"."""
    return (
        SessionNote.objects.filter(
            client=appointment.client, appointment__start__lt=appointment.start
        )
        .order_by("-appointment__start")
        .prefetch_related("areas", "techniques")
        .first()
    )


def note_template(appointment):
    """The usual note of the session's service, or None."""
    if appointment.service_id is None:
        return None
    return (
        NoteTemplate.objects.filter(service_id=appointment.service_id)
        .prefetch_related("techniques")
        .first()
    )


@dataclass(frozen=True)
class Row:
    """One line of a list of sessions (templates/sessions/_appointment_rows.html)."""

    start: datetime.datetime
    start_time: str
    url: str
    client_name: str
    red_flags: bool
    intake_done: bool
    health: object  # clients.rechecks.Status, or None where not asked for
    service: str
    minutes: int
    status: str
    status_label: str
    note_signed: bool
    has_note: bool
    booked_online: bool
    confirmed: bool
    awaiting: bool


def listing(appointments, limit=None, practice=None):
    """The rows of sessions a day, a week or the dashboard shows, by start time; with the
    `practice`, how its clients' health answers stand for each session.

    A busy day has over a hundred, so they are read as plain values (no model instances)
    and each row's link, local time and labels are worked out here rather than by
    {% url %}, |time and get_status_display in the template, which cost tens of
    microseconds each per row."""
    written = SessionNote.objects.filter(appointment=OuterRef("pk"))
    values = (
        appointments.filter(client__erased_at=None)  # an erased client is gone from the day
        .annotate(has_note=Exists(written), previous_visit=previous_visit())
        .order_by("start")
        .values_list(
            "public_id",
            "start",
            "duration_minutes",
            "status",
            "note_signed",
            "has_note",
            "client__first_name",
            "client__last_name",
            "client__has_red_flags",
            "client__intake_completed_at",
            "client__health_checked_at",
            "previous_visit",
            "service__name",
            "booked_via",
            "confirmed_at",
            "awaiting_confirmation",
        )[:limit]
    )
    detail_url = url_for_ids("sessions:detail")
    return [
        Row(
            start=start,
            start_time=timezone.localtime(start).strftime("%H:%M"),
            url=detail_url(public_id),
            client_name=Client.name_of(first, last),
            red_flags=red_flags,
            intake_done=intake_at is not None,
            health=practice
            and rechecks.status(
                practice, start=start, given=intake_at, checked=checked, previous_visit=before
            ),
            service=service or "",
            minutes=minutes,
            status=status,
            status_label=Appointment.Status(status).label,
            note_signed=note_signed,
            has_note=has_note,
            booked_online=via != Appointment.Via.PRACTICE,
            confirmed=confirmed_at is not None,
            awaiting=awaiting,
        )
        for (
            public_id,
            start,
            minutes,
            status,
            note_signed,
            has_note,
            first,
            last,
            red_flags,
            intake_at,
            checked,
            before,
            service,
            via,
            confirmed_at,
            awaiting,
        ) in values
    ]


def previous_visit():
    """The start of the client's visit before a session (a subquery on its row)."""
    return Subquery(
        Appointment.objects.filter(
            client=OuterRef("client"),
            start__lt=OuterRef("start"),
            status=Appointment.Status.COMPLETED,
        )
        .order_by("-start")
        .values("start")[:1]
    )


def health_status(appointment, practice=None):
    """How the client's health answers stand for one session (the session page, the note
    form, and whether a message before it asks about them), by the rule the day view uses."""
    client = appointment.client
    before = (
        Appointment.objects.filter(pk=appointment.pk)
        .annotate(previous_visit=previous_visit())
        .values_list("previous_visit", flat=True)
        .get()
    )
    return rechecks.status(
        practice or appointment.practice,
        start=appointment.start,
        given=client.intake_completed_at,
        checked=client.health_checked_at,
        previous_visit=before,
    )


def overdue_unsigned(practice, now=None):
    """Completed sessions over 24 hours old whose note is missing or not signed."""
    cutoff = (now or timezone.now()) - UNSIGNED_AFTER
    return (
        Appointment.objects.filter(
            practice=practice,
            status=Appointment.Status.COMPLETED,
            note_signed=False,
            start__lt=cutoff,
        )
        .select_related("client")
        .order_by("start")
    )
