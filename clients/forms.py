import datetime
import decimal
import functools
import hashlib
import secrets

import phonenumbers
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone

from practice.models import Practitioner

from . import agreements, health, questions
from .models import (
    Agreement,
    Channel,
    Client,
    IntakeFormVersion,
    IntakeQuestion,
    MoveMethod,
    MoveReason,
)

TEXT_LIMIT = 1000
# The intake answers that are the client's contact details (the rest is health and wishes).
CONTACT_FIELDS = (*Client.CONTACT_DETAILS, "preferred_channel", "email_consent", "sms_consent")


def normalise_phone(value, region):
    """Return the number in E.164 (+441234567890), reading it as from `region` if local.

    A number of the right shape for its country is taken even when the numbering plan we
    ship does not list its range yet (07911 654321 in the UK): refusing a real client's
    mobile costs more than keeping one that later bounces, which delivery reports catch."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    possible = phonenumbers.ValidationResult.IS_POSSIBLE  # not "local only": no area code
    if number is None or phonenumbers.is_possible_number_with_reason(number) != possible:
        raise forms.ValidationError(
            "This does not look like a phone number. Include the area code, "
            "or start with + and the country code."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.widget.attrs.update({"type": "tel", "autocomplete": "tel"})


def validate_birth_date(value):
    if value and not (datetime.date(1900, 1, 1) <= value <= timezone.localdate()):
        raise forms.ValidationError("Check the date of birth: it is in the future or too long ago.")


class ContactRulesMixin:
    """The preferred channel needs the matching detail; phones are stored in E.164."""

    region = "GB"

    def clean_mobile(self):
        return normalise_phone(self.cleaned_data.get("mobile"), self.region)

    def clean_emergency_contact_phone(self):
        return normalise_phone(self.cleaned_data.get("emergency_contact_phone"), self.region)

    def check_channel(self, cleaned):
        channel = cleaned.get("preferred_channel")
        needs = {
            Channel.EMAIL: ("email", "an e-mail address"),
            Channel.SMS: ("mobile", "a mobile number"),
            Channel.PHONE: ("mobile", "a phone number"),
            Channel.LETTER: ("address", "a postal address"),
        }
        if channel in needs:
            field, what = needs[channel]
            if not cleaned.get(field) and field not in self.errors:
                self.add_error(field, f"Add {what}, or choose another way to be contacted.")


class HoneypotForm(forms.Form):
    """A public form with a field people never see and bots fill in: a form that comes back
    with it filled is dropped without a word."""

    website = forms.CharField(required=False, max_length=200)

    @staticmethod
    def honeypot():
        """The hidden field, for the form's crispy layout."""
        return Field(
            "website",
            wrapper_class="visually-hidden",
            tabindex="-1",
            autocomplete="off",
            aria_hidden="true",
        )

    @property
    def is_spam(self):
        return bool(self.data.get("website"))


@functools.cache
def form_signature(form_class):
    """What a form's fields say (names, labels, help, choices): a changed form is a new key."""
    parts = [
        f"{name}|{field.label}|{field.help_text}|{getattr(field, 'choices', '')}"
        for name, field in form_class.base_fields.items()
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class IntakeForm(ContactRulesMixin, HoneypotForm):
    """What a client fills in before the first visit (public form and personal link)."""

    first_name = forms.CharField(
        max_length=80, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=80, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    pronouns = forms.CharField(max_length=40, required=False, help_text="Optional.")
    date_of_birth = forms.DateField(
        required=False,
        validators=[validate_birth_date],
        widget=forms.DateInput({"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        required=False,
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    mobile = PhoneField(label="Mobile number", required=False)
    address = forms.CharField(
        label="Postal address", max_length=500, required=False, widget=forms.Textarea({"rows": 3})
    )
    emergency_contact_name = forms.CharField(label="Name", max_length=120)
    emergency_contact_phone = PhoneField(label="Phone")

    preferred_channel = forms.ChoiceField(
        label="How should we contact you?", choices=Channel.choices, widget=forms.RadioSelect
    )
    email_consent = forms.BooleanField(
        label="You may send me e-mails about my appointments and check-ins", required=False
    )
    sms_consent = forms.BooleanField(
        label="You may send me text messages about my appointments and check-ins", required=False
    )

    conditions = forms.MultipleChoiceField(
        label="Do any of these apply to you now?",
        choices=[(c.key, c.label) for c in health.CONDITIONS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    condition_details = forms.CharField(
        label="Details for anything you ticked",
        help_text="For example weeks of pregnancy, or what surgery and when.",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    medications = forms.CharField(
        label="Medicines you take",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    allergies = forms.CharField(
        label="Allergies",
        help_text="Including massage oils, nuts or latex.",
        max_length=500,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )

    pain_area_1 = forms.CharField(label="Where", max_length=80, required=False)
    pain_level_1 = forms.IntegerField(
        label="How much (0-10)", min_value=0, max_value=10, required=False
    )
    pain_area_2 = forms.CharField(label="Where", max_length=80, required=False)
    pain_level_2 = forms.IntegerField(
        label="How much (0-10)", min_value=0, max_value=10, required=False
    )
    pain_area_3 = forms.CharField(label="Where", max_length=80, required=False)
    pain_level_3 = forms.IntegerField(
        label="How much (0-10)", min_value=0, max_value=10, required=False
    )
    areas_to_avoid = forms.CharField(
        label="Areas you do not want touched", max_length=500, required=False
    )
    pressure_preference = forms.ChoiceField(
        label="Pressure you usually like",
        choices=[("", "Not sure"), *health.PRESSURE_CHOICES],
        required=False,
    )
    goals = forms.CharField(
        label="What would you like from your sessions?",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    source = forms.ChoiceField(
        label="How did you hear about us?",
        choices=[("", "Choose…"), *Client.Source.choices],
        required=False,
    )
    source_detail = forms.CharField(
        label="Who recommended us, or your voucher code", max_length=120, required=False
    )

    signed_name = forms.CharField(label="Type your full name to sign", max_length=160, min_length=3)

    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The version of the practice's questions the page was drawn with.
    form_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    PAIN_ROWS = (1, 2, 3)
    NOT_ANSWERS = ("website", "nonce", "form_version")

    def __init__(self, *args, practice, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.region = practice.country.code or "GB"
        if not self.is_bound and not self.initial.get("nonce"):
            self.initial["nonce"] = secrets.token_urlsafe(24)
        self.version = version or self.version_sent(practice, self.data)
        self.initial["form_version"] = self.version.number
        self.asked = self.version.questions
        by_key = {question["key"]: question for question in self.asked}
        for question in self.asked:
            parent = by_key.get(question["show_if"])
            self.fields[questions.field_name(question["key"])] = questions.form_field(
                question, parent
            )
        for agreement in self.version.agreements:
            self.fields[agreements.field_name(agreement["key"])] = forms.BooleanField(
                label=f"I agree to “{agreement['title']}”",
                required=agreement["required"],
                error_messages={"required": "Please tick this to agree, or ask us about it."},
            )
        self.helper = self.build_helper()

    @staticmethod
    def version_sent(practice, data):
        """The version a form page was drawn with, so that a form sent after the owner
        published another still has the questions its client answered; else the current."""
        number = str((data or {}).get("form_version", ""))
        if number.isdigit() and (sent := IntakeFormVersion.numbered(practice, int(number))):
            return sent
        return IntakeFormVersion.current(practice)

    def blank_key(self):
        """For a form nobody has typed in yet (a new client's: not sent back with errors,
        not filled in from a client's record), a key naming everything its rendered fields
        show: the form's own definition and the published version (its questions and its
        agreements, which never change). Its HTML is then
        the same for every visitor of the practice and is drawn once (the page's slowest
        part); the nonce and the CSRF token are drawn outside it. Else None."""
        if self.is_bound or set(self.initial) - {"nonce", "form_version"}:
            return None
        if self.version.pk is None:  # a preview of the owner's draft
            return None
        shown = (form_signature(type(self)), str(self.practice.pk), str(self.version.pk))
        return hashlib.sha256("\x00".join(shown).encode()).hexdigest()

    def build_helper(self):
        helper = FormHelper()
        helper.form_tag = False
        pain_rows = [
            Row(
                Column(f"pain_area_{n}", css_class="col-8"),
                Column(f"pain_level_{n}", css_class="col-4"),
            )
            for n in self.PAIN_ROWS
        ]
        helper.layout = Layout(
            Fieldset("About you", "first_name", "last_name", "pronouns", "date_of_birth"),
            Fieldset("Contact details", "email", "mobile", "address"),
            Fieldset("How we keep in touch", "preferred_channel", "email_consent", "sms_consent"),
            Fieldset("Emergency contact", "emergency_contact_name", "emergency_contact_phone"),
            Fieldset("Your health", "conditions", "condition_details", "medications", "allergies"),
            Fieldset("Pain you have now", *pain_rows),
            Fieldset("Your massage", "areas_to_avoid", "pressure_preference", "goals"),
            *self.own_sections(),
            Fieldset("About us", "source", "source_detail"),
            Fieldset("What you agree to", *self.agreement_blocks(), "signed_name"),
            self.honeypot(),
        )
        helper.add_input(Submit("submit", "Send my form", css_class="btn-lg w-100"))
        return helper

    def own_sections(self):
        """The practice's own questions, a fieldset per section in the order first used.
        A question that shows only after an earlier answer says which (static/js/intake.js
        hides it until then; without scripts it shows, and its answer counts only if so)."""
        sections = {}
        for question in self.asked:
            name = questions.field_name(question["key"])
            if question["show_if"]:
                name = Div(
                    name,
                    data_show_if=questions.field_name(question["show_if"]),
                    data_show_answer=question["show_if_answer"],
                )
            sections.setdefault(question["section"], []).append(name)
        return [Fieldset(title, *names) for title, names in sections.items()]

    def agreement_blocks(self):
        """Each agreement's words, then its tick box. (The words come in through the
        template's context, so they are escaped like any text of the owner's.)"""
        blocks = []
        for n, agreement in enumerate(self.version.agreements):
            words = (
                '{% include "clients/intake/_agreement.html" with '
                f"agreement=form.version.agreements.{n} %}}"
            )
            blocks += [HTML(words), agreements.field_name(agreement["key"])]
        return blocks

    def clean(self):
        cleaned = super().clean()
        self.clean_own_questions(cleaned)
        if not cleaned.get("email") and not cleaned.get("mobile") and "email" not in self.errors:
            self.add_error(
                "email", "Give an e-mail address or a mobile number so we can reach you."
            )
        self.check_channel(cleaned)
        for n in self.PAIN_ROWS:
            area, level = cleaned.get(f"pain_area_{n}"), cleaned.get(f"pain_level_{n}")
            if area and level is None and f"pain_level_{n}" not in self.errors:
                self.add_error(f"pain_level_{n}", "How much does it hurt, from 0 to 10?")
            if level is not None and not area:
                self.add_error(f"pain_area_{n}", "Where is this pain?")
        return cleaned

    def clean_own_questions(self, cleaned):
        """A question not asked (its deciding answer was not given) keeps no answer and no
        error; one asked and required needs an answer."""
        seen = {questions.CHECKLIST: cleaned.get("conditions", [])}
        for question in self.asked:
            name = questions.field_name(question["key"])
            if not questions.shows(question, seen):
                cleaned.pop(name, None)
                self._errors.pop(name, None)
                continue
            seen[question["key"]] = cleaned.get(name)
            wanted = question["required"] and question["show_if"]
            if wanted and not questions.given(cleaned.get(name)) and name not in self._errors:
                self.add_error(name, "Please answer this question.")

    def answers(self):
        """The cleaned answers as JSON-ready values, for an IntakeSubmission; the answers to
        the practice's own questions under "questions", by each question's key; the keys of
        the agreements ticked under "agreements"."""
        answers, own, signed = {}, {}, []
        for name, value in self.cleaned_data.items():
            if name in self.NOT_ANSWERS:
                continue
            if name in self.fields and name.startswith("q_"):
                if questions.given(value):
                    own[name.removeprefix("q_")] = questions.json_value(value)
                continue
            if name in self.fields and name.startswith("agree_"):
                if value:
                    signed.append(name.removeprefix("agree_"))
                continue
            answers[name] = value.isoformat() if isinstance(value, datetime.date) else value
        answers["questions"] = own
        answers["agreements"] = signed
        return answers

    @classmethod
    def initial_from_client(cls, client):
        """Prefill a returning client's form with what we already hold."""
        latest = client.intake_submissions.order_by("-version").first()
        initial = dict(latest.answers) if latest else {}
        for key, value in initial.pop("questions", {}).items():
            initial[questions.field_name(key)] = value
        initial.pop("agreements", None)  # agreed afresh every time
        for field in CONTACT_FIELDS:
            initial[field] = getattr(client, field)
        for name in ("policies_accepted", "treatment_consent", "signed_name"):
            initial.pop(name, None)  # signed afresh (the first two: older forms' ticks)
        return initial


class ClientForm(ContactRulesMixin, forms.ModelForm):
    """The therapist's form for a client's details (health history comes from intake)."""

    mobile = PhoneField(required=False)
    emergency_contact_phone = PhoneField(required=False)

    class Meta:
        model = Client
        fields = (
            *CONTACT_FIELDS,
            "source",
            "source_detail",
            "status",
            "tags",
            "referring_physician",
            "diagnosis_code",
            "private_notes",
        )
        widgets = {
            "date_of_birth": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea({"rows": 3}),
            "private_notes": forms.Textarea({"rows": 4}),
        }

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = practice.country.code or "GB"
        self.fields["date_of_birth"].validators.append(validate_birth_date)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Name", "first_name", "last_name", "pronouns", "date_of_birth"),
            Fieldset("Contact", "email", "mobile", "address"),
            Fieldset("Emergency contact", "emergency_contact_name", "emergency_contact_phone"),
            Fieldset("Keeping in touch", "preferred_channel", "email_consent", "sms_consent"),
            Fieldset("Practice", "status", "source", "source_detail", "tags", "private_notes"),
        )
        self.helper.add_input(Submit("submit", "Save client"))

    def clean(self):
        cleaned = super().clean()
        self.check_channel(cleaned)
        return cleaned


class ClientFilterForm(forms.Form):
    SORTS = {  # each ends with the primary key: a page starts after a row (practice.keyset)
        "name": ("last_name", "first_name", "pk"),
        "newest": ("-created_at", "-pk"),
        "updated": ("-updated_at", "-pk"),
    }

    q = forms.CharField(label="Search", max_length=100, required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Client.Status.choices],
        required=False,
        widget=forms.Select({"class": "form-select"}),
    )
    flags = forms.BooleanField(label="Has red flags", required=False)
    intake_pending = forms.BooleanField(label="Intake not done", required=False)
    sort = forms.ChoiceField(
        choices=[("name", "Surname"), ("newest", "Newest first"), ("updated", "Recently updated")],
        required=False,
        widget=forms.Select({"class": "form-select"}),
    )


class ImportUploadForm(forms.Form):
    MAX_BYTES = 2 * 1024 * 1024

    file = forms.FileField(
        label="CSV file",
        help_text="Exported from your old software or a spreadsheet: one client per row, "
        "with a header row (name, e-mail, phone, date of birth, notes).",
        widget=forms.ClearableFileInput({"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB: split it into parts.")
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Choose a .csv file (spreadsheets can save as CSV).")
        return upload


class PractitionerChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, practitioner):
        accepting = "" if practitioner.accepting else " (not taking new clients)"
        return f"{practitioner.name}, {practitioner.get_profession_display().lower()}{accepting}"


def practitioners_of(practice):
    return Practitioner.objects.filter(practice=practice).order_by("-accepting", "name")


class MoveOnForm(forms.Form):
    reason = forms.ChoiceField(choices=MoveReason.choices, widget=forms.RadioSelect)
    method = forms.ChoiceField(choices=MoveMethod.choices, widget=forms.RadioSelect)
    practitioners = PractitionerChoice(
        queryset=Practitioner.objects.none(),  # set per practice in __init__
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Colleagues to recommend",
    )
    message = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea({"rows": 10}),
        help_text="Drafted from your wording for this reason and way; change anything.",
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioners"].queryset = practitioners_of(practice)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("method") == MoveMethod.REFER_ON and not cleaned.get("practitioners"):
            self.add_error("practitioners", "Choose who to refer them to.")
        return cleaned


class ReferForm(forms.Form):
    practitioners = PractitionerChoice(
        queryset=Practitioner.objects.none(),  # set per practice in __init__
        widget=forms.CheckboxSelectMultiple,
        label="Refer to",
    )
    reason = forms.CharField(max_length=300, help_text="For example: needs a physio assessment.")

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioners"].queryset = practitioners_of(practice)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Record the referral"))


class AgreementForm(forms.ModelForm):
    """The owner's form for one of the texts clients sign."""

    class Meta:
        model = Agreement
        fields = ("title", "body", "required", "before_booking")
        widgets = {"body": forms.Textarea({"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_treatment_consent:
            self.fields["required"].disabled = True
            self.fields["required"].help_text = "Every client consents to treatment."
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save the agreement"))


class QuestionForm(forms.ModelForm):
    """The owner's form for one of the practice's own intake questions."""

    choices_text = forms.CharField(
        label="Choices, one a line",
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 4}),
        help_text="For “one of a list” and “any of a list”.",
    )
    show_if = forms.ModelChoiceField(
        label="Show it only after the question",
        queryset=IntakeQuestion.objects.none(),  # the practice's earlier ones, in __init__
        required=False,
    )

    class Meta:
        model = IntakeQuestion
        fields = (
            "section",
            "label",
            "help_text",
            "kind",
            "choices_text",
            "required",
            "show_if",
            "show_if_answer",
            "show_if_condition",
            "flag_level",
            "flag_answer",
        )
        help_texts = {
            "show_if_answer": "For a yes-or-no question: Yes or No; else one of its choices.",
            "flag_answer": "Yes-or-no questions flag a Yes. For a list, the choice that "
            "raises it; for a number or a scale, the lowest value that does. Leave empty "
            "for text and dates: any answer raises it.",
        }

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        earlier = IntakeQuestion.objects.filter(practice=practice, kind__in=questions.DECIDING)
        if self.instance.pk:
            earlier = earlier.filter(position__lt=self.instance.position)
        self.fields["show_if"].queryset = earlier
        self.fields["show_if"].empty_label = "No: always show it"
        self.fields["flag_level"].choices = [("", "No red flag"), *IntakeQuestion.FLAG_LEVELS]
        self.fields["show_if_condition"].choices = [
            ("", "No tick needed"),
            *((condition.key, condition.label) for condition in health.CONDITIONS),
        ]
        self.fields["choices_text"].initial = "\n".join(self.instance.choices)
        self.fields["section"].widget.attrs["list"] = "sections"  # the sections in use
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("The question", "section", "label", "help_text", "kind", "choices_text"),
            Fieldset(
                "When it is asked",
                "required",
                "show_if",
                "show_if_answer",
                "show_if_condition",
            ),
            Fieldset("Red flag", "flag_level", "flag_answer"),
        )
        self.helper.add_input(Submit("save", "Save the question"))

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        lines = [line.strip() for line in cleaned.get("choices_text", "").splitlines()]
        choices = list(dict.fromkeys(line for line in lines if line))
        if kind in questions.LISTED and len(choices) < 2:
            self.add_error("choices_text", "Give at least two choices, one a line.")
        self.instance.choices = choices if kind in questions.LISTED else []
        parent = cleaned.get("show_if")
        if parent is not None and cleaned.get("show_if_condition"):
            self.add_error(
                "show_if_condition", "Choose one: after a question of yours, or after a tick."
            )
        if parent is not None:
            cleaned["show_if_answer"] = self.one_answer_of(
                parent.published(), cleaned.get("show_if_answer", ""), "show_if_answer"
            )
        else:
            cleaned["show_if_answer"] = ""
        if kind and cleaned.get("flag_level"):
            cleaned["flag_answer"] = self.flagging_answer(kind, choices, cleaned)
        else:
            cleaned["flag_answer"] = ""
        return cleaned

    def one_answer_of(self, question, typed, field):
        """The stored value of one of `question`'s answers, typed as its label (any case)."""
        options = questions.answer_options(question)
        for value, label in options:
            if typed.strip().casefold() in (value.casefold(), label.casefold()):
                return value
        listed = ", ".join(label for _, label in options)
        self.add_error(field, f"Write one of the answers to “{question['label']}”: {listed}.")
        return typed

    def flagging_answer(self, kind, choices, cleaned):
        typed = cleaned.get("flag_answer", "").strip()
        if kind == questions.Kind.YES_NO:
            return questions.YES
        if kind in questions.LISTED or kind == questions.Kind.BODY_AREA:
            if not typed and kind != questions.Kind.ONE_CHOICE:
                return ""  # any choice at all
            question = {"kind": kind, "choices": choices, "label": cleaned.get("label", "")}
            return self.one_answer_of(question, typed, "flag_answer")
        if kind in questions.MEASURED:
            try:
                value = decimal.Decimal(typed)
            except decimal.InvalidOperation:
                self.add_error("flag_answer", "Write the lowest value that raises the flag.")
                return typed
            if kind == questions.Kind.SCALE and not 0 <= value <= 10:
                self.add_error("flag_answer", "A scale runs from 0 to 10.")
            return typed
        return ""  # text and dates: any answer
