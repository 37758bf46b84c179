"""The practice's own intake questions, beside the standard safety checklist.

The owner writes questions as a draft (IntakeQuestion rows). Publishing copies the draft
into an IntakeFormVersion, a frozen list of plain dicts; a client answers one version and
their answers keep it, so every later page reads the questions as they were asked. This
module works on those dicts only: the form fields made from them, when a question shows,
which answers raise a red flag, and the answers as a therapist or an insurer reads them.
"""

import datetime
import decimal
from dataclasses import dataclass

from django import forms
from django.db import models

from . import health

TEXT_LIMIT = 1000
YES, NO = "yes", "no"
EMPTY = "—"


class Kind(models.TextChoices):
    YES_NO = "yes_no", "Yes or no"
    SHORT_TEXT = "short_text", "Short answer"
    LONG_TEXT = "long_text", "Longer answer"
    ONE_CHOICE = "one_choice", "One of a list"
    MANY_CHOICES = "many_choices", "Any of a list"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    SCALE = "scale", "Scale from 0 to 10"
    BODY_AREA = "body_area", "Areas of the body"


# Kinds whose answer can decide whether a later question shows.
DECIDING = (Kind.YES_NO, Kind.ONE_CHOICE, Kind.MANY_CHOICES)
LISTED = (Kind.ONE_CHOICE, Kind.MANY_CHOICES)  # the owner writes their choices
MEASURED = (Kind.NUMBER, Kind.SCALE)  # a flag from a value upwards
ANY_ANSWER = (Kind.SHORT_TEXT, Kind.LONG_TEXT, Kind.DATE)  # a flag from any answer at all


@dataclass(frozen=True)
class Flag:
    """A red flag from one of the practice's questions; read like a health.Condition."""

    label: str
    level: str


CHECKLIST = "conditions"  # a question can show after a tick on the standard checklist


def field_name(key):
    return CHECKLIST if key == CHECKLIST else f"q_{key}"


def answer_options(question):
    """(value, label) of the answers a question offers, for the kinds that offer a list."""
    kind = question["kind"]
    if kind == Kind.YES_NO:
        return [(YES, "Yes"), (NO, "No")]
    if kind in LISTED:
        return [(choice, choice) for choice in question["choices"]]
    if kind == Kind.BODY_AREA:
        return list(health.REGIONS)
    if kind == Kind.SCALE:
        return [(str(n), str(n)) for n in range(11)]
    return []


def form_field(question, parent=None):
    """The form field a client answers `question` with. A question that shows only after
    an earlier answer is checked for an answer in the form's clean(), when it shows."""
    kind = question["kind"]
    help_text = question["help_text"]
    if question["show_if"] == CHECKLIST:
        ticked = health.BY_KEY[question["show_if_answer"]].label
        help_text = f"{help_text} You see this because you ticked “{ticked}”.".strip()
    elif parent is not None:
        answer = dict(answer_options(parent)).get(question["show_if_answer"], "")
        shown_after = f"You see this because you answered “{answer}” to “{parent['label']}”."
        help_text = f"{help_text} {shown_after}".strip()
    common = {
        "label": question["label"],
        "help_text": help_text,
        "required": question["required"] and not question["show_if"],
        "error_messages": {"required": "Please answer this question."},
    }
    options = answer_options(question)
    if kind in (Kind.YES_NO, Kind.ONE_CHOICE):
        return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if kind in (Kind.MANY_CHOICES, Kind.BODY_AREA):
        return forms.MultipleChoiceField(
            choices=options, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == Kind.SCALE:
        return forms.TypedChoiceField(
            choices=options, coerce=int, widget=forms.RadioSelect({"class": "scale"}), **common
        )
    if kind == Kind.NUMBER:
        return forms.DecimalField(
            max_digits=9, decimal_places=2, widget=forms.NumberInput({"step": "any"}), **common
        )
    if kind == Kind.DATE:
        return forms.DateField(
            widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"), **common
        )
    if kind == Kind.LONG_TEXT:
        return forms.CharField(max_length=TEXT_LIMIT, widget=forms.Textarea({"rows": 3}), **common)
    return forms.CharField(max_length=200, **common)


def json_value(value):
    """An answer as it is kept in the submission's JSON."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    return value


def given(value):
    return value not in (None, "", [])


def shows(question, answers):
    """Whether a question is asked, given the answers to the questions before it (a
    question whose deciding question was not asked is not asked either)."""
    parent = question.get("show_if")
    if not parent:
        return True
    value = answers.get(parent)
    if isinstance(value, list):
        return question["show_if_answer"] in value
    return given(value) and str(value) == question["show_if_answer"]


def asked(questions, answers, conditions=()):
    """The questions of a version that were asked, with their answers: [(question, value)].
    `answers` are those to the practice's questions, `conditions` the checklist's ticks."""
    seen = {CHECKLIST: list(conditions)}
    rows = []
    for question in questions:
        if not shows(question, seen):
            continue
        value = answers.get(question["key"])
        seen[question["key"]] = value
        rows.append((question, value))
    return rows


def raises_flag(question, value):
    level, kind = question.get("flag_level"), question["kind"]
    if not level or not given(value):
        return False
    wanted = question.get("flag_answer", "")
    if kind == Kind.YES_NO:
        return value == YES
    if kind == Kind.ONE_CHOICE:
        return value == wanted
    if kind in (Kind.MANY_CHOICES, Kind.BODY_AREA):
        return wanted in value if wanted else bool(value)
    if kind in MEASURED:
        try:
            return decimal.Decimal(str(value)) >= decimal.Decimal(wanted)
        except decimal.InvalidOperation:
            return False
    return True  # any answer at all: "Which oils are you allergic to?"


def answer_text(question, value):
    if not given(value):
        return EMPTY
    labels = dict(answer_options(question))
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    if question["kind"] == Kind.DATE:
        return datetime.date.fromisoformat(value).strftime("%-d %B %Y")
    if question["kind"] == Kind.SCALE:
        return f"{value}/10"
    return str(labels.get(value, value))


def flags(questions, answers, conditions=()):
    """The red flags a client's answers to a version raise, contraindications first."""
    raised = [
        Flag(label=flag_label(question, value), level=question["flag_level"])
        for question, value in asked(questions, answers, conditions)
        if raises_flag(question, value)
    ]
    return sorted(raised, key=lambda flag: flag.level != health.CONTRAINDICATION)


def flag_label(question, value):
    if question["kind"] == Kind.YES_NO:
        return question["label"]
    return f"{question['label']} {answer_text(question, value)}"


def checklist():
    """The standard safety checklist as it reads now, for a version to keep."""
    return [{"key": c.key, "label": c.label, "level": c.level} for c in health.CONDITIONS]
