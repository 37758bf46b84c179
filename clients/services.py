"""Workflows across clients and their intake submissions."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from practice.models import Practice

from . import agreements, health, questions, rechecks, record, signals
from .models import (
    CONSENT_CHANNELS,
    Agreement,
    Client,
    IntakeFormVersion,
    IntakeQuestion,
    IntakeSubmission,
)
from .timeline import Entry

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

# Answers copied onto the client record when a submission is applied.
CLIENT_FIELDS = (
    *(name for name in Client.CONTACT_DETAILS if name != "date_of_birth"),  # parsed apart
    "preferred_channel",
    "source",
    "source_detail",
)


def draft(practice):
    """The practice's own questions as the owner is writing them, in order."""
    return list(
        IntakeQuestion.objects.filter(practice=practice)
        .select_related("show_if")
        .order_by("position", "pk")
    )


def published_draft(practice):
    return [question.published() for question in draft(practice)]


def published_agreements(practice):
    return [agreement.published() for agreement in Agreement.objects.filter(practice=practice)]


def publish_form(practice, *, by):
    """Publish the draft's questions and agreements as the practice's next intake form
    version, which new forms then ask; None when the current version reads the same.
    Raises IntegrityError when another version was published at the same moment."""
    current = IntakeFormVersion.current(practice)
    asked, signed = published_draft(practice), published_agreements(practice)
    if (asked, signed) == (current.questions, current.agreements):
        return None
    with transaction.atomic():
        version = IntakeFormVersion.objects.create(
            practice=practice,
            number=current.number + 1,
            questions=asked,
            checklist=questions.checklist(),
            agreements=signed,
            published_at=timezone.now(),
            published_by=by,
        )
        Practice.objects.filter(pk=practice.pk).update(intake_form_number=version.number)
        practice.intake_form_number = version.number
        transaction.on_commit(lambda: version.keep(practice))
    return version


def find_existing_client(practice, email, mobile):
    """A client of this practice with the same e-mail or mobile, if any."""
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    if mobile:
        match |= Q(mobile=mobile)
    if not match:
        return None
    return Client.objects.filter(practice=practice).filter(match).order_by("created_at").first()


def submit_intake(
    practice, answers, *, nonce, via, client=None, ip=None, user_agent="", form_version=None
):
    """Save an intake as a new version and return it (the same one for a repeated nonce).

    A personal link passes its client: the answers update that client. The public form
    passes none: a new prospect is created, or, when the e-mail or mobile matches a client,
    the version is attached to that client for the therapist to review, and nothing of
    theirs is overwritten. `form_version` is the form the client answered (the practice's
    current one when not given).
    """
    existing = IntakeSubmission.objects.filter(practice=practice, nonce=nonce).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            needs_review = False
            if client is None:
                client = find_existing_client(practice, answers.get("email"), answers.get("mobile"))
                needs_review = client is not None
            if client is None:
                client = Client.objects.create(
                    practice=practice,
                    first_name=answers["first_name"],
                    last_name=answers["last_name"],
                )
            client = Client.objects.select_for_update().get(pk=client.pk)
            last = client.intake_submissions.aggregate(n=Max("version"))["n"] or 0
            submission = IntakeSubmission.objects.create(
                practice=practice,
                client=client,
                version=last + 1,
                form_version=form_version or IntakeFormVersion.current(practice),
                via=via,
                answers=answers,
                signed_name=answers["signed_name"],
                ip_address=ip,
                user_agent=(user_agent or "")[:300],
                nonce=nonce,
                needs_review=needs_review,
            )
            if not needs_review:
                apply_submission(submission)
    except IntegrityError:
        # A second press of "send" that raced the first: return the version it saved.
        return IntakeSubmission.objects.get(practice=practice, nonce=nonce)
    return submission


def apply_submission(submission, by=None):
    """Copy a submission's answers onto its client and recompute the red flags. A client
    who sends a form again has re-checked their health; a red flag they did not have
    before is told to the owners, unless one of the practice applied it (history imported
    after the fact tells nobody)."""
    client, answers = submission.client, submission.answers
    flagged_before = {flag.label for flag in client.flagged_conditions()}
    returning = client.intake_completed_at is not None
    for field in CLIENT_FIELDS:
        if field in answers:
            setattr(client, field, answers[field] or "")
    dob = answers.get("date_of_birth")
    client.date_of_birth = timezone.datetime.fromisoformat(dob).date() if dob else None
    conditions = [c.key for c in health.red_flags(answers.get("conditions", []))]
    client.red_flags = conditions
    own = questions.flags(
        submission.asked_questions, answers.get("questions", {}), answers.get("conditions", [])
    )
    client.answer_flags = [{"label": flag.label, "level": flag.level} for flag in own]
    client.has_red_flags = bool(conditions or own)
    client.allergies = answers.get("allergies", "")
    client.intake_completed_at = submission.submitted_at
    client.health_checked_at = max(submission.submitted_at, client.health_checked_at or EPOCH)
    client.save()
    how = f"intake form v{submission.version}"
    for channel in CONSENT_CHANNELS:
        client.record_consent(channel, bool(answers.get(f"{channel}_consent")), how, by=by)
    mark_applied(submission, by)
    if submission.via == IntakeSubmission.Via.IMPORT:
        return
    if returning:
        rechecks.changed(submission)
    new_flags = [f for f in client.flagged_conditions() if f.label not in flagged_before]
    if new_flags and by is None:  # applied by someone of the practice: they have seen them
        transaction.on_commit(
            lambda: signals.red_flags_raised.send(
                sender=IntakeSubmission, submission=submission, flags=new_flags
            )
        )


def mark_applied(submission, by):
    submission.applied = True
    submission.reviewed_at = submission.reviewed_at or (timezone.now() if by else None)
    submission.needs_review = False
    submission.save(update_fields=["applied", "reviewed_at", "needs_review"])


def dismiss_submission(submission):
    submission.needs_review = False
    submission.reviewed_at = timezone.now()
    submission.save(update_fields=["needs_review", "reviewed_at"])


def record_part(client):
    """The client's own details, consent history, every intake version with the words of
    what they signed, and their health re-checks, for the export."""
    return record.Part(
        "client",
        {
            "details": record.plain(client, exclude=("has_red_flags",)),
            "consent_history": [
                record.plain(event, exclude=("public_id",)) for event in client.consent_events.all()
            ],
            "intake_submissions": [
                record.plain(submission, exclude=("nonce",))
                | {
                    "signed": [
                        {"title": text["title"], "text": text["body"], "agreed": agreed}
                        for text, agreed in agreements.agreed(submission)
                    ]
                }
                for submission in client.intake_submissions.select_related("form_version").order_by(
                    "version"
                )
            ],
            "health_checks": [
                record.plain(check, exclude=("public_id",)) for check in client.health_checks.all()
            ],
        },
    )


def intake_entries(client, limit=None):
    """Timeline entries for the client's intake versions."""
    return [
        Entry(
            when=submission.submitted_at,
            kind="intake",
            title=f"Intake form, version {submission.version}",
            url=reverse("clients:submission", args=[client.public_id, submission.public_id]),
            detail=submission.get_via_display(),
            flags=["to review"] if submission.needs_review else [],
        )
        for submission in client.intake_submissions.order_by("-submitted_at")[:limit]
    ]
