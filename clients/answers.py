"""Intake answers as a therapist reads them: short labels, choices spelled out."""

import dataclasses
from dataclasses import dataclass

from django.forms.utils import pretty_name

from . import health
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
    "policies_accepted": "Read the policies",
    "treatment_consent": "Consented to treatment",
    "signed_name": "Signed as",
}
# Shown in the client's contact card already.
CONTACT = set(CONTACT_FIELDS)
PAIN_FIELDS = {f"pain_{part}_{n}" for part in ("area", "level") for n in IntakeForm.PAIN_ROWS}
EMPTY = "—"


def display_answers(answers, *, health_only=False):
    """(name, label, text) rows in the form's order; pain rows become one "Pain now" row."""
    rows = []
    for name, field in IntakeForm.base_fields.items():
        if name in IntakeForm.NOT_ANSWERS or (health_only and name in CONTACT):
            continue
        if name == "pain_area_1":
            rows.append(("pain", "Pain now", pain_text(answers)))
        if name in PAIN_FIELDS or name not in answers:
            continue
        label = LABELS.get(name) or field.label or pretty_name(name)
        rows.append((name, label, answer_text(field, answers[name])))
    if health_only:
        rows = [row for row in rows if row[2] != EMPTY]
    return rows


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
    """(label, before, after) for each answer that changed between two versions."""
    before = {name: text for name, _, text in display_answers(older)}
    return [
        (label, before.get(name, EMPTY), text)
        for name, label, text in display_answers(newer)
        if before.get(name, EMPTY) != text
    ]


@dataclass
class Declaration:
    """One intake version as an insurer reads it: the health answers, the red flags and
    the consent to treatment, with the sessions it was in force for."""

    submission: IntakeSubmission
    rows: list  # (label, text, flagged)
    red_flags: list  # health.Condition
    sessions: list = dataclasses.field(default_factory=list)  # the appointments it covered

    @property
    def consented(self):
        return bool(self.submission.answers.get("treatment_consent"))


def declarations_for(client, appointments):
    """For each session, the intake version in force when it started (the newest one
    submitted before it): [(appointment, Declaration or None)], in the sessions' order.
    Sessions that share a version share one Declaration."""
    versions = list(client.intake_submissions.order_by("submitted_at", "version"))
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
    flags = health.red_flags(submission.answers.get("conditions", []))
    # Every health answer, empty ones too: "none declared" is itself what the client said.
    rows = [
        (label, text, name == "conditions" and bool(flags))
        for name, label, text in display_answers(submission.answers)
        if name not in CONTACT
    ]
    return Declaration(submission=submission, rows=rows, red_flags=flags)
