import datetime
import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.models import Client
from practice import audit, dates
from practice.tenancy import (
    get_for_practice,
    object_from_query,
    owner_required,
    practice_required,
)

from . import availability, booking, related, services
from .availability import Unavailable
from .body import figures
from .forms import (
    AmendmentReasonForm,
    AppointmentForm,
    DayForm,
    RescheduleForm,
    SessionNoteForm,
    StatusForm,
    area_formset,
)
from .models import Appointment, SessionNote

BODY_MAP = {"body_figures": figures()}
OVERLAP = "This overlaps another session of the same therapist (or the free time after it)."


def local_day_bounds(practice, day, days=1):
    tz = zoneinfo.ZoneInfo(practice.time_zone)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=days)


def appointments_between(practice, start, end):
    return services.listing(
        Appointment.objects.filter(practice=practice, start__gte=start, start__lt=end),
        practice=practice,
    )


@practice_required
def day_view(request):
    day = DayForm(request.GET).day()
    start, end = local_day_bounds(request.practice, day)
    context = {
        "day": day,
        "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1),
        "appointments": appointments_between(request.practice, start, end),
    }
    return render(request, "sessions/day.html", context)


@practice_required
def week_view(request):
    day = DayForm(request.GET).day()
    monday = day - datetime.timedelta(days=day.weekday())
    start, end = local_day_bounds(request.practice, monday, days=7)
    days = {monday + datetime.timedelta(days=n): [] for n in range(7)}
    for appointment in appointments_between(request.practice, start, end):
        days[timezone.localtime(appointment.start).date()].append(appointment)
    context = {
        "monday": monday,
        "days": days.items(),
        "previous": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
    }
    return render(request, "sessions/week.html", context)


@practice_required
def appointment_create(request):
    initial = {}
    if client := object_from_query(request, Client.objects.filter(erased_at=None), "client"):
        initial["client"] = client
    form = AppointmentForm(request.POST or None, initial=initial, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        appointment = form.save(commit=False)
        appointment.practice = request.practice
        appointment.therapist_id = availability.therapist_for(request.practice, request.user)
        try:
            with transaction.atomic():  # the session and its reminder, or neither
                availability.save_unless_taken(appointment)
        except Unavailable:
            form.add_error("start", OVERLAP)
        else:
            when = dates.when(appointment.start, request.practice)
            messages.success(request, f"Booked {appointment.client} on {when}.")
            return redirect("sessions:detail", appointment.public_id)
    return render(
        request, "sessions/appointment_form.html", {"form": form, "title": "Book a session"}
    )


@practice_required
def appointment_detail(request, public_id):
    appointment = get_for_practice(
        request, Appointment.objects.select_related("client", "service"), public_id=public_id
    )
    note = (
        SessionNote.objects.filter(appointment=appointment)
        .select_related("signed_by")
        .prefetch_related("areas", "techniques", "amendments__by")
        .first()
    )
    if note is not None:
        when = timezone.localtime(appointment.start).strftime("%d %b %Y")
        audit.record(request, audit.Action.VIEW, f"session note of {when}", appointment.client)
    booked = appointment.status == Appointment.Status.BOOKED
    context = {
        "appointment": appointment,
        "note": note,
        "related": related.for_appointment(appointment),
        # Before the session: whether the client's answers still hold.
        "health": services.health_status(appointment) if booked else None,
    }
    return render(request, "sessions/appointment_detail.html", context)


@practice_required
def appointment_reschedule(request, public_id):
    appointment = get_for_practice(request, Appointment, public_id=public_id)
    initial = {
        "start": timezone.localtime(appointment.start),
        "duration_minutes": appointment.duration_minutes,
    }
    form = RescheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the new time and the moved reminder together
                services.reschedule(appointment, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except Unavailable:
            form.add_error("start", OVERLAP)
        else:
            messages.success(request, "Session moved.")
            return redirect("sessions:detail", appointment.public_id)
    context = {"form": form, "appointment": appointment, "title": "Move the session"}
    return render(request, "sessions/appointment_form.html", context)


@require_POST
@practice_required
def appointment_status(request, public_id):
    appointment = get_for_practice(request, Appointment, public_id=public_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "That did not work: " + " ".join(form.errors.get("minutes_late", []))
        )
        return redirect("sessions:detail", appointment.public_id)
    try:
        services.change_status(
            appointment,
            form.status,
            by=request.user,
            reason=form.cleaned_data["reason"],
            minutes_late=form.cleaned_data["minutes_late"],
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Marked {appointment.get_status_display().lower()}.")
    return redirect("sessions:detail", appointment.public_id)


@require_POST
@practice_required
def appointment_paid(request, public_id):
    """Mark a completed session paid or not paid yet (an unpaid one counts as a signal)."""
    appointment = get_for_practice(request, Appointment, public_id=public_id)
    appointment.unpaid = request.POST.get("unpaid") == "1"
    appointment.save(update_fields=["unpaid", "updated_at"])
    messages.success(request, "Marked not paid yet." if appointment.unpaid else "Marked paid.")
    return redirect("sessions:detail", appointment.public_id)


def note_initial(appointment):
    """Fields and areas of the client's previous note, for "copy from last note"."""
    last = services.previous_note(appointment)
    if last is None:
        return None, None
    fields = {name: getattr(last, name) for name in SessionNote.CLINICAL_FIELDS}
    for name in ("pressure_checked", "consent_confirmed", "pain_flag_reason", "pain_after"):
        fields.pop(name)  # about this session only
    fields["techniques"] = list(last.techniques.all())
    areas = [area.canonical() for area in last.areas.all()]
    return fields, areas


@practice_required
def note_edit(request, public_id):
    appointment = get_for_practice(
        request, Appointment.objects.select_related("client"), public_id=public_id
    )
    if appointment.status != Appointment.Status.COMPLETED:
        messages.error(request, "Mark the session completed before writing its note.")
        return redirect("sessions:detail", appointment.public_id)
    note = SessionNote.objects.filter(appointment=appointment).first()
    if note and note.is_signed:
        return redirect("sessions:note_amend", appointment.public_id)
    note = note or SessionNote(
        practice=request.practice, appointment=appointment, client=appointment.client
    )
    initial, initial_areas, unasked = None, None, ()
    template = services.note_template(appointment) if note.pk is None else None
    if template is not None:  # a new note starts from its service's usual one
        unasked = template.unasked
        if request.method == "GET":
            initial, initial_areas = template.initial()
    if request.method == "GET" and request.GET.get("copy") == "last" and note.pk is None:
        initial, initial_areas = note_initial(appointment)
        if initial is None:
            messages.info(request, "There is no earlier note for this client to copy.")
    form = SessionNoteForm(
        request.POST or None,
        instance=note,
        initial=initial,
        practice=request.practice,
        unasked=unasked,
    )
    areas = area_formset(request.POST or None, instance=note, initial=initial_areas)
    if request.method == "POST" and form.is_valid() and areas.is_valid():
        with transaction.atomic():
            note = form.save(commit=False)
            note.created_by = note.created_by or request.user
            note.save()
            form.save_m2m()
            save_areas(areas, note)
            highest = services.flag_pain(note)
        warn_about_pain(request, note, highest)
        audit.record(request, audit.Action.CHANGE, "session note", appointment.client)
        messages.success(request, "Note saved. Sign it when it is complete.")
        return redirect("sessions:detail", appointment.public_id)
    context = {
        "form": form,
        "areas": areas,
        "appointment": appointment,
        "note": note,
        "health": services.health_status(appointment),
    }
    return render(request, "sessions/note_form.html", context | BODY_MAP)


def save_areas(areas, note):
    """Save the area rows of a note's formset, each in the note's practice."""
    areas.instance = note
    for area in areas.save(commit=False):
        area.practice, area.note = note.practice, note
        area.save()
    for area in areas.deleted_objects:
        area.delete()


def warn_about_pain(request, note, highest):
    if note.pain_flagged:
        messages.warning(
            request,
            f"Pain reached {highest}/10, at or above your threshold of "
            f"{note.practice.pain_threshold}. The note is flagged"
            + ("." if note.pain_flag_reason else ": write why it happened before signing."),
        )


@require_POST
@practice_required
def note_sign(request, public_id):
    note = get_for_practice(
        request, SessionNote.objects.select_related("appointment"), appointment__public_id=public_id
    )
    try:
        services.sign_note(note, request.membership)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        audit.record(request, audit.Action.SIGN, "session note", note.client)
        messages.success(request, "Signed. The note is now locked; changes are amendments.")
    return redirect("sessions:detail", public_id)


@owner_required
def note_amend(request, public_id):
    note = get_for_practice(
        request,
        SessionNote.objects.select_related("appointment__client"),
        appointment__public_id=public_id,
    )
    if not note.is_signed:
        return redirect("sessions:note", public_id)
    form = SessionNoteForm(request.POST or None, instance=note, practice=request.practice)
    areas = area_formset(request.POST or None, instance=note)
    reason = AmendmentReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and areas.is_valid() and reason.is_valid():

        def apply(target):
            form.save()
            save_areas(areas, target)

        try:
            services.amend_note(note, request.membership, reason.cleaned_data["reason"], apply)
        except ValidationError as error:
            reason.add_error(None, error)
        else:
            warn_about_pain(request, note, note.highest_pain())
            audit.record(
                request, audit.Action.CHANGE, "signed session note (amendment)", note.client
            )
            messages.success(request, "Amendment saved; the original stays on record.")
            return redirect("sessions:detail", public_id)
    context = {
        "form": form,
        "areas": areas,
        "reason": reason,
        "appointment": note.appointment,
        "note": note,
        "amending": True,
    }
    return render(request, "sessions/note_form.html", context | BODY_MAP)


@require_POST
@practice_required
def request_accept(request, public_id):
    appointment = get_for_practice(
        request, Appointment, public_id=public_id, status="booked", awaiting_confirmation=True
    )
    booking.accept(appointment)
    messages.success(request, f"Booked: {appointment.client.first_name} is told.")
    return redirect("sessions:detail", appointment.public_id)


@require_POST
@practice_required
def request_decline(request, public_id):
    appointment = get_for_practice(
        request, Appointment, public_id=public_id, status="booked", awaiting_confirmation=True
    )
    booking.decline(appointment, request.user)
    messages.success(
        request, f"Declined: {appointment.client.first_name} is told and can choose another time."
    )
    return redirect("sessions:detail", appointment.public_id)
