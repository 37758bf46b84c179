"""Pages that set sessions up: services, techniques, working hours and time off, and the
calendar feed."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scope, scopes_disabled

from practice.tenancy import get_for_practice, owner_required, practice_required

from . import calendar
from .forms import NoteTemplateForm, TimeOffForm, WeekForm
from .models import CalendarFeed, NoteTemplate, Service, Technique, TimeOff, WorkingHours

CATALOGUES = {
    "services": (
        Service,
        (
            "name",
            "duration_minutes",
            "price",
            "service_code",
            "active",
            "bookable_online",
            "buffer_minutes",
            "min_notice_hours",
            "horizon_days",
            "at_home",
            "travel_minutes",
        ),
        "Services",
    ),
    "techniques": (Technique, ("name", "active"), "Techniques"),
}
NEW_FEED_KEY = "new_calendar_token"


class DefaultsForm(forms.ModelForm):
    """A row of a catalogue: a number left empty takes the field's usual value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField) and name != "duration_minutes":
                field.required = False

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField) and cleaned.get(name, 0) is None:
                cleaned[name] = self._meta.model._meta.get_field(name).default
        return cleaned


@owner_required
def catalogue(request, kind):
    """Edit the practice's list of services or techniques (archive by unticking active)."""
    model, fields, title = CATALOGUES[kind]
    FormSet = forms.modelformset_factory(model, form=DefaultsForm, fields=fields, extra=2)
    queryset = model.objects.filter(practice=request.practice)
    formset = FormSet(request.POST or None, queryset=queryset, prefix=kind)
    if request.method == "POST" and formset.is_valid():
        for item in formset.save(commit=False):
            item.practice = request.practice
            item.save()
        messages.success(request, f"{title} saved.")
        return redirect(f"sessions:{kind}")
    return render(request, "sessions/catalogue.html", {"formset": formset, "title": title})


@owner_required
def note_template(request, public_id):
    """A service's usual note: new notes of its sessions start from it."""
    service = get_for_practice(request, Service, public_id=public_id)
    template = NoteTemplate.objects.filter(service=service).first() or NoteTemplate(
        practice=request.practice, service=service
    )
    form = NoteTemplateForm(request.POST or None, instance=template, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, f"Saved the note template for {service}. Notes already written keep theirs."
        )
        return redirect("sessions:services")
    return render(request, "sessions/note_template.html", {"form": form, "service": service})


@practice_required
def calendar_settings(request):
    token = request.session.pop(NEW_FEED_KEY, None)
    url = request.build_absolute_uri(reverse("calendar_feed", args=[token])) if token else None
    has_feed = CalendarFeed.objects.filter(
        practice=request.practice, user=request.user, revoked_at__isnull=True
    ).exists()
    return render(request, "sessions/calendar.html", {"url": url, "has_feed": has_feed})


@require_POST
@practice_required
def calendar_issue(request):
    request.session[NEW_FEED_KEY] = calendar.issue_feed(request.practice, request.user)
    return redirect("sessions:calendar")


@require_POST
@practice_required
def calendar_revoke(request):
    CalendarFeed.objects.filter(
        practice=request.practice, user=request.user, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    messages.info(request, "The calendar address no longer works.")
    return redirect("sessions:calendar")


def calendar_feed(request, token):
    """The .ics file a phone calendar subscribes to; the token is the only key."""
    with scopes_disabled():
        feed = calendar.feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar.")
    with scope(practice=feed.practice):
        body = calendar.build_calendar(feed.practice).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@practice_required
def working_hours(request):
    """The signed-in member's usual week and their time off: what clients can book."""
    form = WeekForm(request.POST or None, hours=own_hours(request))
    if request.method == "POST" and form.is_valid():
        form.save(request.practice, request.user)
        messages.success(request, "Working hours saved.")
        return redirect("sessions:hours")
    return hours_page(request, form, TimeOffForm())


@require_POST
@practice_required
def time_off_add(request):
    form = TimeOffForm(request.POST)
    if not form.is_valid():
        return hours_page(request, WeekForm(hours=own_hours(request)), form)
    entry = form.save(commit=False)
    entry.practice = request.practice
    entry.therapist = None if form.cleaned_data["whole_practice"] else request.user
    entry.save()
    messages.success(request, "Time off added: nobody can book it online.")
    return redirect("sessions:hours")


def own_hours(request):
    return WorkingHours.objects.filter(practice=request.practice, therapist=request.user)


def hours_page(request, form, time_off_form):
    time_off = TimeOff.objects.filter(
        practice=request.practice, ends_at__gt=timezone.now()
    ).select_related("therapist")
    context = {
        "form": form,
        "time_off": time_off,
        "time_off_form": time_off_form,
        "booking_url": request.build_absolute_uri(
            reverse("booking:start", args=[request.practice.slug])
        ),
    }
    return render(request, "sessions/hours.html", context)


@require_POST
@practice_required
def time_off_remove(request, public_id):
    entry = get_for_practice(request, TimeOff.objects.all(), public_id=public_id)
    entry.delete()
    messages.success(request, "Time off removed.")
    return redirect("sessions:hours")
