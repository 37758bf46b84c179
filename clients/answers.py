"""Intake answers as a therapist reads them: short labels, choices spelled out."""

import dataclasses
from dataclasses import dataclass

from django.forms.utils import pretty_name

from . import agreements, health, questions
from .forms import CONTACT_FIELDS, IntakeForm
from .models import IntakeSubmission

# The therapist's words for the client's questions.
LABELS = {
    "emergency_contact_name": "Emergency contact",
    "emergency_contact_phone": "Emergency phone",
    "preferred_channel": "Contact by",
    "email_consent": "E-mails allowed",
    "sms_consent": "Texts allowed",
    "conditions": "Conditions",
    "condition_details": "Details",
    "medications": "Medications",
    "allergies": "Allergies",
    "areas_to_avoid": "Do not touch",
    "pressure_preference": "Pressure liked",
    "goals": "Goals",
    "source": "Heard of us",
    "source_detail": "Recommended by / code",
    "signed_name": "Signed as",
}
# Shown in the client's contact card already.
CONTACT = set(CONTACT_FIELDS)
PAIN_FIELDS = {f"pain_{part}_{n}" for part in ("area", "level") for n in IntakeForm.PAIN_ROWS}
EMPTY = "—"


def display_answers(answers, *, health_only=False, asked=(), signed=()):
    """(name, label, text) rows in the form's order; pain rows become one "Pain now" row.
    `asked` is the practice's own questions as the client was asked them (the version the
    submission keeps): their rows come after the standard ones about the massage. `signed`
    is the version's agreements: a row each, before the signature."""
    rows = []
    for name, field in IntakeForm.base_fields.items():
        if name in IntakeForm.NOT_ANSWERS or (health_only and name in CONTACT):
            continue
        if name == "source":
            rows.extend(own_rows(asked, answers))
        if name == "pain_area_1":
            rows.append(("pain", "Pain now", pain_text(answers)))
        if name == "signed_name" and not health_only:
            rows.extend(agreement_rows(signed, answers))
        if name in PAIN_FIELDS or name not in answers:
            continue
        label = LABELS.get(name) or field.label or pretty_name(name)
        rows.append((name, label, answer_text(field, answers[name])))
    if health_only:
        rows = [row for row in rows if row[2] != EMPTY]
    return rows


def own_rows(asked, answers):
    """Rows for the practice's own questions that were asked (a question whose deciding
    answer was not given was not asked, and has no row)."""
    return [
        (
            questions.field_name(question["key"]),
            question["label"],
            questions.answer_text(question, value),
        )
        for question, value in questions.asked(
            asked, answers.get("questions", {}), answers.get("conditions", [])
        )
    ]


def agreement_rows(signed, answers):
    ticked = set(answers.get("agreements", []))
    return [
        (
            agreements.field_name(agreement["key"]),
            agreement["title"],
            "Agreed" if agreement["key"] in ticked else "Not agreed",
        )
        for agreement in signed
    ]


def submission_rows(submission, *, health_only=False):
    version = submission.form_version
    return display_answers(
        submission.answers,
        health_only=health_only,
        asked=submission.asked_questions,
        signed=version.agreements if version else (),
    )


def pain_text(answers):
    pains = []
    for n in IntakeForm.PAIN_ROWS:
        area, level = answers.get(f"pain_area_{n}"), answers.get(f"pain_level_{n}")
        if area:
            pains.append(f"{area} {level}/10")
    return "; ".join(pains) or EMPTY


def answer_text(field, value):
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value) or EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value in (None, ""):
        return EMPTY
    return str(choices.get(value, value))


def compare_answers(older, newer):
    """(label, before, after) for each answer that changed between two submissions, each
    read with the questions it was asked."""
    before = {name: text for name, _, text in submission_rows(older)}
    return [
        (label, before.get(name, EMPTY), text)
        for name, label, text in submission_rows(newer)
        if before.get(name, EMPTY) != text
    ]


@dataclass
class Declaration:
    """One intake version as an insurer reads it: the health answers, the red flags and
    the agreements signed (the consent to treatment first), with the sessions it was in
    force for."""

    submission: IntakeSubmission
    rows: list  # (label, text, flagged)
    red_flags: list  # health.Condition and questions.Flag
    sessions: list = dataclasses.field(default_factory=list)  # the appointments it covered

    @property
    def consented(self):
        return agreements.consented_to_treatment(self.submission)

    @property
    def signed(self):
        """Every agreement of the form, word for word, and whether the client agreed."""
        return agreements.agreed(self.submission)


def declarations_for(client, appointments):
    """For each session, the intake version in force when it started (the newest one
    submitted before it): [(appointment, Declaration or None)], in the sessions' order.
    Sessions that share a version share one Declaration."""
    versions = list(
        client.intake_submissions.select_related("form_version").order_by("submitted_at", "version")
    )
    made = {}
    covered = []
    for appointment in appointments:
        earlier = [v for v in versions if v.submitted_at <= appointment.start]
        if not earlier:
            covered.append((appointment, None))
            continue
        submission = earlier[-1]
        if submission.pk not in made:
            made[submission.pk] = declaration(submission)
        made[submission.pk].sessions.append(appointment)
        covered.append((appointment, made[submission.pk]))
    return covered


def declaration(submission):
    checklist = health.red_flags(submission.answers.get("conditions", []))
    own = {
        questions.field_name(question["key"])
        for question, value in questions.asked(
            submission.asked_questions,
            submission.answers.get("questions", {}),
            submission.answers.get("conditions", []),
        )
        if questions.raises_flag(question, value)
    }
    # Every health answer, empty ones too: "none declared" is itself what the client said.
    # The practice's own questions read as they were asked, whatever they say today.
    rows = [
        (label, text, (name == "conditions" and bool(checklist)) or name in own)
        for name, label, text in submission_rows(submission)
        if name not in CONTACT and not name.startswith("agree_")  # printed in full apart
    ]
    return Declaration(submission=submission, rows=rows, red_flags=submission.flagged_conditions())
