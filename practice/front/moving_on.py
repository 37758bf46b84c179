"""Referring a client and moving a client on: the message drafted from the practice's
wording, sent through the follow-ups by the client's channel, what was booked and planned
cancelled. (The boundary counts that lead there are in clients/boundaries.py.)"""

from django.db import transaction
from django.utils import timezone

from clients.models import Client, MoveMethod, MoveOn, MoveOnTemplate, MoveReason, Referral
from followups.kinds import expires, key_for
from followups.models import FollowUp, Kind
from followups.planning import plan
from followups.wording import render_text
from sessions import services as session_services
from sessions.models import Appointment

REASON_SENTENCES = {
    MoveReason.NEEDS_NOT_MET: "Having worked with you, I think you need a kind of massage I do "
    "not offer, and you deserve someone who does.",
    MoveReason.BOUNDARIES: "Our sessions have not been working within the practice's policies "
    "on timing and payment.",
    MoveReason.PRACTICE_FULL: "My practice is full at the moment.",
    MoveReason.OTHER: "",
}
METHOD_WORDING = {
    MoveMethod.REFER_ON: "Hello {{ first_name }},\n\n{reason} I would like to recommend a "
    "colleague who I think will suit you well:\n\n{{ practitioners }}\n\nThank you for "
    "coming to me, and I wish you well.\n\n{{ practice }}",
    MoveMethod.WILL_NOT_SEE: "Hello {{ first_name }},\n\n{reason} I have decided not to book "
    "any further sessions with you. Any sessions already booked are cancelled.\n\n"
    "Thank you, and I wish you well.\n\n{{ practice }}",
    MoveMethod.DECLINE_NEW: "Hello {{ first_name }},\n\nThank you for getting in touch. "
    "{reason} I am not able to take you on as a client, but these colleagues may be able "
    "to help:\n\n{{ practitioners }}\n\n{{ practice }}",
}


def default_wording(reason, method):
    return (
        METHOD_WORDING[method]
        .replace("{reason}", REASON_SENTENCES[reason])
        .replace("\n\n ", "\n\n")
    )


def wording(practice, reason, method):
    saved = MoveOnTemplate.objects.filter(practice=practice, reason=reason, method=method).first()
    return saved.body if saved else default_wording(reason, method)


def save_wording(practice, reason, method, text):
    """Keep the practice's own wording; going back to ours removes theirs."""
    text = text.strip().replace("\r\n", "\n")
    if not text or text == default_wording(reason, method):
        MoveOnTemplate.objects.filter(practice=practice, reason=reason, method=method).delete()
        return
    MoveOnTemplate.objects.update_or_create(
        practice=practice, reason=reason, method=method, defaults={"body": text}
    )


def practitioner_text(practitioners):
    blocks = []
    for practitioner in practitioners:
        lines = [f"{practitioner.name}, {practitioner.get_profession_display().lower()}"]
        if practitioner.specialties:
            lines.append(f"({practitioner.specialties})")
        lines.append(practitioner.contact_lines())
        blocks.append("\n".join(line for line in lines if line))
    return "\n\n".join(blocks)


def draft_message(client, reason, method, practitioners):
    """The message for this reason and method, with the colleagues' details filled in."""
    context = {
        "first_name": client.first_name,
        "practice": client.practice.name,
        "practitioners": practitioner_text(practitioners),
    }
    return render_text(wording(client.practice, reason, method), context)


@transaction.atomic
def move_client_on(client, *, reason, method, practitioners, message, by):
    """Send the message, cancel what is booked and planned, and mark the client moved on."""
    now = timezone.now()
    client.status = Client.Status.MOVED_ON
    client.save(update_fields=["status", "updated_at"])
    for appointment in client.appointments.filter(status=Appointment.Status.BOOKED, start__gt=now):
        session_services.change_status(
            appointment, Appointment.Status.CANCELLED_PRACTICE, by=by, reason="client moved on"
        )
    FollowUp.objects.filter(client=client, status=FollowUp.Status.SCHEDULED).update(
        status=FollowUp.Status.CANCELLED, skip_reason="the client was moved on"
    )
    record = MoveOn.objects.create(
        practice=client.practice,
        client=client,
        reason=reason,
        method=method,
        message=message,
        by=by,
    )
    record.followup = plan(
        client.practice,
        Kind.MOVE_ON,
        key=key_for(Kind.MOVE_ON, move=record.public_id),
        due_at=now,
        expires_at=expires(Kind.MOVE_ON, now),
        client=client,
        body=message,
    )
    record.save(update_fields=["followup"])
    for practitioner in practitioners:
        refer(client, practitioner, reason=record.get_reason_display(), by=by)
    return record


def undo_move_on(record):
    """Take the client back: active again. Cancelled sessions stay cancelled."""
    record.undone_at = timezone.now()
    record.save(update_fields=["undone_at"])
    record.client.status = Client.Status.ACTIVE
    record.client.save(update_fields=["status", "updated_at"])


def refer(client, practitioner, *, reason, by):
    return Referral.objects.create(
        practice=client.practice, client=client, practitioner=practitioner, reason=reason, by=by
    )
