import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.db import transaction
from django.utils import timezone
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from clients.forms import ContactRulesMixin, HoneypotForm, PhoneField
from clients.models import Channel, Client

from . import body, codes
from .models import (
    Appointment,
    NoteArea,
    NoteTemplate,
    Service,
    SessionNote,
    Technique,
    TimeOff,
    WorkingHours,
)

DATETIME_INPUT = forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M"]


def form_helper(layout=None):
    helper = FormHelper()
    helper.form_tag = False
    if layout:
        helper.layout = layout
    return helper


class AppointmentForm(forms.ModelForm):
    start = forms.DateTimeField(widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)

    class Meta:
        model = Appointment
        fields = ("client", "service", "start", "duration_minutes", "price")
        labels = {"duration_minutes": "Length (minutes)"}
        # Their choices are set per practice in __init__, inside the request's scope.
        field_classes = {"client": SafeModelChoiceField, "service": SafeModelChoiceField}

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(
            practice=practice, erased_at=None
        ).exclude(status=Client.Status.MOVED_ON)
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)
        for name in ("duration_minutes", "price"):
            # Empty unless typed, so the chosen service's length and price apply.
            self.fields[name].required = False
            self.fields[name].initial = None
        self.fields["duration_minutes"].help_text = "Leave empty to use the service's length."
        self.fields["price"].help_text = "Leave empty to use the service's price."
        self.helper = form_helper()

    def clean(self):
        cleaned = super().clean()
        service = cleaned.get("service")
        if cleaned.get("duration_minutes") is None:
            if service is None and "duration_minutes" not in self.errors:
                self.add_error("duration_minutes", "Give a length, or choose a service.")
            elif service:
                cleaned["duration_minutes"] = service.duration_minutes
        if cleaned.get("price") is None:
            cleaned["price"] = service.price if service else 0
        return cleaned

    def _post_clean(self):
        # The model's defaults would hide an empty length; fill them from clean() first.
        for name in ("duration_minutes", "price"):
            if name in self.cleaned_data and self.cleaned_data[name] is not None:
                setattr(self.instance, name, self.cleaned_data[name])
        super()._post_clean()


class RescheduleForm(forms.Form):
    start = forms.DateTimeField(widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)
    duration_minutes = forms.IntegerField(label="Length (minutes)", min_value=5, max_value=600)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class StatusForm(forms.Form):
    """What happened to a booked session."""

    ACTIONS = {
        "complete": Appointment.Status.COMPLETED,
        "cancel_client": Appointment.Status.CANCELLED_CLIENT,
        "cancel_practice": Appointment.Status.CANCELLED_PRACTICE,
        "late_cancel": Appointment.Status.LATE_CANCELLATION,
        "no_show": Appointment.Status.NO_SHOW,
    }

    action = forms.ChoiceField(choices=[(key, key) for key in ACTIONS])
    minutes_late = forms.IntegerField(min_value=0, max_value=600, required=False)
    reason = forms.CharField(max_length=300, required=False)

    @property
    def status(self):
        return self.ACTIONS[self.cleaned_data["action"]]


class SessionNoteForm(forms.ModelForm):
    class Meta:
        model = SessionNote
        fields = (*SessionNote.CLINICAL_FIELDS, "techniques")
        field_classes = {"techniques": SafeModelMultipleChoiceField}
        widgets = {
            name: forms.Textarea({"rows": 2})
            for name in (
                "subjective",
                "changes_since_last",
                "posture",
                "range_of_motion",
                "palpation",
                "assessment",
                "home_care",
                "pain_flag_reason",
            )
        } | {"techniques": forms.CheckboxSelectMultiple}

    SECTIONS = (
        ("Subjective", ("subjective", "changes_since_last", "pain_before")),
        ("Objective", ("posture", "range_of_motion", "palpation")),
        ("Assessment", ("assessment",)),
        ("Plan", ("home_care", "next_visit")),
        (
            "Treatment",
            (
                "techniques",
                "pain_after",
                "pressure_checked",
                "consent_confirmed",
                "pain_flag_reason",
            ),
        ),
    )

    def __init__(self, *args, practice, unasked=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in unasked:  # a rating the service's note template does not ask for
            del self.fields[name]
        self.fields["techniques"].queryset = Technique.objects.filter(
            practice=practice, active=True
        )
        self.fields[
            "pain_flag_reason"
        ].help_text = f"Needed when any pain reaches {practice.pain_threshold}/10 (your threshold)."
        self.helper = form_helper(
            Layout(
                *(
                    Fieldset(title, *(name for name in names if name in self.fields))
                    for title, names in self.SECTIONS
                )
            )
        )


class NoteTemplateForm(forms.ModelForm):
    """The owner's usual note for a service."""

    areas = forms.MultipleChoiceField(
        label="Usual areas",
        choices=body.REGIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each becomes a row of the note's areas, for pressure and pain.",
    )

    class Meta:
        model = NoteTemplate
        fields = (*NoteTemplate.TEXT_FIELDS, "techniques", "areas")
        fields += ("asks_pain_before", "asks_pain_after")
        field_classes = {"techniques": SafeModelMultipleChoiceField}
        widgets = {
            name: forms.Textarea({"rows": 2})
            for name in NoteTemplate.TEXT_FIELDS
            if name != "next_visit"
        } | {"techniques": forms.CheckboxSelectMultiple}

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["techniques"].queryset = Technique.objects.filter(
            practice=practice, active=True
        )
        self.helper = form_helper(
            Layout(
                Fieldset("Subjective", "subjective"),
                Fieldset("Objective", "posture", "range_of_motion", "palpation"),
                Fieldset("Assessment", "assessment"),
                Fieldset("Plan", "home_care", "next_visit"),
                Fieldset("Treatment", "techniques", "areas"),
                Fieldset("Ratings the note asks for", "asks_pain_before", "asks_pain_after"),
            )
        )


class NoteAreaForm(forms.ModelForm):
    class Meta:
        model = NoteArea
        fields = ("region", "side", "aspect", "tension", "pressure", "max_pain")
        widgets = {
            "region": forms.Select({"class": "form-select form-select-sm"}),
            "side": forms.Select({"class": "form-select form-select-sm"}),
            "aspect": forms.Select({"class": "form-select form-select-sm"}),
            "tension": forms.Select({"class": "form-select form-select-sm"}),
            "pressure": forms.NumberInput(
                {"class": "form-control form-control-sm", "min": 1, "max": 5}
            ),
            "max_pain": forms.NumberInput(
                {"class": "form-control form-control-sm", "min": 0, "max": 10}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "Area…"), *self.fields["region"].choices[1:]]


AreaFormSet = forms.inlineformset_factory(
    SessionNote, NoteArea, form=NoteAreaForm, extra=3, can_delete=True, max_num=40
)


def area_formset(data=None, instance=None, initial=None):
    formset = AreaFormSet(data, instance=instance, prefix="areas", initial=initial)
    if initial:
        formset.extra = max(len(initial), 3)
    return formset


class AmendmentReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why are you changing this signed note?",
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )


class DayForm(forms.Form):
    date = forms.DateField(required=False)

    def day(self):
        if self.is_valid() and self.cleaned_data["date"]:
            return self.cleaned_data["date"]
        return timezone.localdate()


class BookingDetailsForm(ContactRulesMixin, HoneypotForm):
    """Who is booking, on the public booking page. No health questions here: a new client
    gets the intake form by the channel they choose."""

    first_name = forms.CharField(
        max_length=80, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=80, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label="E-mail", required=False, widget=forms.EmailInput({"autocomplete": "email"})
    )
    mobile = PhoneField(label="Mobile number", required=False)
    preferred_channel = forms.ChoiceField(
        label="Send my confirmation and reminders by",
        choices=[(Channel.EMAIL, "E-mail"), (Channel.SMS, "Text message")],
        widget=forms.RadioSelect,
        initial=Channel.EMAIL,
    )

    code = forms.CharField(
        label="Gift card or offer code, if you have one", max_length=20, required=False
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = practice.country.code or "GB"
        self.practice = practice
        asks_for_code = codes.accepted(practice)
        if not asks_for_code:
            del self.fields["code"]
        self.helper = form_helper(
            Layout(
                "first_name",
                "last_name",
                "email",
                "mobile",
                "preferred_channel",
                *(["code"] if asks_for_code else []),
                self.honeypot(),
            )
        )

    def clean_code(self):
        value = self.cleaned_data.get("code", "").strip()
        if not value:
            return ""
        written, problem = codes.check(self.practice, value)
        if problem:
            raise forms.ValidationError(problem)
        return written

    def clean(self):
        cleaned = super().clean()
        self.check_channel(cleaned)
        return cleaned


def parse_start(value):
    """A start time from a booking page's address or form (ISO 8601 with its offset), or
    None for anything else."""
    try:
        moment = datetime.datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(datetime.UTC)


TIME_INPUT = forms.TimeInput({"type": "time"}, format="%H:%M")


class WeekForm(forms.Form):
    """A member's usual week: from and until for each day, both empty on a day off."""

    def __init__(self, *args, hours, **kwargs):
        super().__init__(*args, **kwargs)
        current = {stretch.weekday: stretch for stretch in hours}
        self.days = []
        for weekday, name in WorkingHours.Weekday.choices:
            stretch = current.get(weekday)
            for end in ("starts", "ends"):
                self.fields[f"{end}_{weekday}"] = forms.TimeField(
                    label=f"{name} {'from' if end == 'starts' else 'until'}",
                    required=False,
                    widget=TIME_INPUT,
                    initial=getattr(stretch, end, None),
                )
            self.days.append((name, self[f"starts_{weekday}"], self[f"ends_{weekday}"]))

    def clean(self):
        cleaned = super().clean()
        for weekday, name in WorkingHours.Weekday.choices:
            starts, ends = cleaned.get(f"starts_{weekday}"), cleaned.get(f"ends_{weekday}")
            if (starts is None) != (ends is None) and not self.errors.get(f"ends_{weekday}"):
                self.add_error(f"ends_{weekday}", f"Give both times for {name}, or neither.")
            elif starts and ends and ends <= starts:
                self.add_error(f"ends_{weekday}", "The end is before the start.")
        return cleaned

    @transaction.atomic
    def save(self, practice, therapist):
        WorkingHours.objects.filter(practice=practice, therapist=therapist).delete()
        for weekday, _ in WorkingHours.Weekday.choices:
            starts = self.cleaned_data.get(f"starts_{weekday}")
            ends = self.cleaned_data.get(f"ends_{weekday}")
            if starts and ends:
                WorkingHours.objects.create(
                    practice=practice,
                    therapist=therapist,
                    weekday=weekday,
                    starts=starts,
                    ends=ends,
                )


class TimeOffForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label="From", widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label="Until", widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    whole_practice = forms.BooleanField(
        label="The whole practice is closed (not only me)", required=False
    )

    class Meta:
        model = TimeOff
        fields = ("starts_at", "ends_at", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The end is before the start.")
        return cleaned
