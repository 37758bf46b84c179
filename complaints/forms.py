from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from clients.models import Client
from sessions.forms import DATETIME_FORMATS, DATETIME_INPUT
from sessions.models import Appointment

from .models import Complaint, ComplaintStep, Incident


class SessionChoices(SafeModelMultipleChoiceField):
    def label_from_instance(self, appointment):
        start = timezone.localtime(appointment.start)
        return f"{start:%-d %b %Y, %H:%M} · {appointment.get_status_display()}"


def limit_to_practice(form, practice, client=None):
    form.fields["client"].queryset = Client.objects.filter(practice=practice, erased_at=None)
    sessions = Appointment.objects.filter(practice=practice).select_related("client")
    if client is not None:
        sessions = sessions.filter(client=client)
    form.fields["sessions"].queryset = sessions.order_by("-start")
    form.helper = FormHelper()
    form.helper.form_tag = False


class ComplaintForm(forms.ModelForm):
    received_at = forms.DateTimeField(widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)

    class Meta:
        model = Complaint
        fields = (
            "client",
            "received_at",
            "received_via",
            "category",
            "severity",
            "client_words",
            "sessions",
        )
        field_classes = {"client": SafeModelChoiceField, "sessions": SessionChoices}
        widgets = {
            "client_words": forms.Textarea({"rows": 4}),
            "sessions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, practice, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_practice(self, practice, client)
        self.fields["sessions"].required = False
        self.fields["sessions"].help_text = "The sessions the complaint is about, if any."

    def clean(self):
        cleaned = super().clean()
        check_sessions_belong_to_client(self, cleaned)
        return cleaned


MINUTE_FIELDS = ("onset_at", "reported_at")


class IncidentForm(forms.ModelForm):
    onset_at = forms.DateTimeField(
        label="Symptoms started",
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        required=False,
    )
    reported_at = forms.DateTimeField(widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)

    class Meta:
        model = Incident
        fields = (
            "client",
            "onset_at",
            "reported_at",
            "reported_by",
            "symptoms",
            "body_regions",
            "severity",
            "sessions",
            "other_findings",
            "actions_taken",
            "insurer_notified_on",
            "claim_reference",
            "status",
            "statement",
        )
        field_classes = {"client": SafeModelChoiceField, "sessions": SessionChoices}
        widgets = {
            "symptoms": forms.Textarea({"rows": 3}),
            "other_findings": forms.Textarea({"rows": 3}),
            "actions_taken": forms.Textarea({"rows": 3}),
            "statement": forms.Textarea({"rows": 6}),
            "insurer_notified_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "sessions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, practice, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_practice(self, practice, client or getattr(self.instance, "client", None))
        self.fields["sessions"].required = False
        for name in MINUTE_FIELDS:  # the form shows minutes: seconds are no change
            if self.initial.get(name):
                self.initial[name] = self.initial[name].replace(second=0, microsecond=0)
        if self.instance.statement_locked:
            self.fields["statement"].disabled = True
            self.fields["statement"].help_text = "Signed and locked."
            self.fields["amend_reason"] = forms.CharField(
                label="Why you are changing what you signed",
                required=False,
                max_length=2000,
                widget=forms.Textarea({"rows": 2}),
                help_text="Needed when you change what happened (not the claim's progress): "
                "the change is kept as an amendment, beside what you signed.",
            )

    def changed_facts(self):
        """The facts of a signed incident this form changes."""
        facts = (*Incident.FACTS, "sessions")
        return [name for name in self.changed_data if name in facts]

    def clean(self):
        cleaned = super().clean()
        check_sessions_belong_to_client(self, cleaned)
        for name in MINUTE_FIELDS:  # unchanged: keep the time as stored, seconds and all
            if self.instance.pk and name in cleaned and name not in self.changed_data:
                cleaned[name] = getattr(self.instance, name)
        if (
            self.instance.statement_locked
            and self.changed_facts()
            and not cleaned.get("amend_reason", "").strip()
        ):
            self.add_error(
                "amend_reason",
                "You signed this incident: say why these details change "
                "(they are kept as an amendment).",
            )
        return cleaned


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=ComplaintStep.Step.choices)
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea({"rows": 2}))
    offer = forms.ChoiceField(choices=[("", "—"), *Complaint.Offer.choices], required=False)
    offer_value = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2, required=False)
    follow_up_at = forms.DateTimeField(
        widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, required=False
    )
    outcome = forms.CharField(max_length=2000, required=False, widget=forms.Textarea({"rows": 2}))
    lessons = forms.CharField(max_length=2000, required=False, widget=forms.Textarea({"rows": 2}))


class SendReportForm(forms.Form):
    to = forms.EmailField(label="Send to", help_text="Your insurer's claims address.")
    cover_message = forms.CharField(
        label="Covering message", max_length=4000, widget=forms.Textarea({"rows": 6})
    )


def check_sessions_belong_to_client(form, cleaned):
    client, sessions = cleaned.get("client"), cleaned.get("sessions") or []
    if client and any(s.client_id != client.pk for s in sessions):
        form.add_error("sessions", "Choose sessions of this client only.")
