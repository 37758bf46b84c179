"""The pages clients book on, without an account: the practice's booking page
(/p/<slug>/book/) and the personal link in its messages (/b/<token>/).

They show times, services and the client's own sessions; never health data. Posts are
rate-limited per address, and the details form has the same hidden field as the intake
form, which only bots fill in.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django_ratelimit.decorators import ratelimit
from django_scopes import scope, scopes_disabled

from practice import dates
from practice.models import Practice

from . import availability, booking, deposits, personal
from .availability import Unavailable, iso
from .forms import BookingDetailsForm, parse_start
from .models import Appointment, BookingHold, BookingLink

DONE_SALT = "sessions.booking.done"
DAYS_PER_PAGE = 7


def form_rate(group, request):
    return settings.BOOKING_FORM_RATE


def page_rate(group, request):
    return settings.BOOKING_PAGE_RATE


def rate_limited(view):
    """Pages a little, posts more strictly (a setting each, so tests can lower them)."""
    view = ratelimit(key="ip", rate=form_rate, method="POST", block=True)(view)
    return ratelimit(key="ip", rate=page_rate, method="GET", block=True)(view)


def open_practice(slug):
    return get_object_or_404(Practice, slug=slug, online_booking=True)


def start_from(request):
    """The chosen time from the form (a second choice) or the address (the first)."""
    moment = parse_start(request.POST.get("start") or request.GET.get("at"))
    if moment is None:
        raise Http404("No such time.")
    return moment


def time_url(base, slot_start):
    return f"{base}?at={iso(slot_start)}"  # digits, "-", ":", "T", "Z": nothing to quote


def days_page(request, practice, service, choose_url, *, ignore=None):
    """Up to a week of days with free times, from the day in ?from= (else the first)."""
    after = request.GET.get("from")
    try:
        first = datetime.date.fromisoformat(after) if after else None
    except ValueError:
        raise Http404("No such day.") from None
    days = availability.free_days(practice, service, ignore=ignore)
    shown = [day for day in days if first is None or day.date >= first]
    later = shown[DAYS_PER_PAGE:]
    return {
        "days": [
            {
                "label": day.label,
                "times": [
                    (dates.time(slot.start, practice), time_url(choose_url, slot.start))
                    for slot in day.slots
                ],
            }
            for day in shown[:DAYS_PER_PAGE]
        ],
        "later_url": f"?{urlencode({'from': later[0].date.isoformat()})}" if later else "",
        "service": service,
    }


def alternatives(practice, service, choose_url, *, ignore=None):
    return [
        (dates.when(slot.start, practice), time_url(choose_url, slot.start), iso(slot.start))
        for slot in availability.next_free(practice, service, ignore=ignore)
    ]


# --- The practice's booking page ------------------------------------------------------


@rate_limited
def choose_service(request, slug):
    practice = open_practice(slug)
    with scope(practice=practice):
        services = list(booking.bookable_services(practice))
    if len(services) == 1:
        return redirect("booking:times", slug, services[0].public_id)
    context = {
        "practice": practice,
        "services": [
            (service, reverse("booking:times", args=[slug, service.public_id]))
            for service in services
        ],
    }
    return render(request, "booking/services.html", context)


@rate_limited
def choose_time(request, slug, service_id):
    practice = open_practice(slug)
    with scope(practice=practice):
        service = get_object_or_404(booking.bookable_services(practice), public_id=service_id)
        choose_url = reverse("booking:details", args=[slug, service_id])
        context = {
            "practice": practice,
            "back_url": reverse("booking:start", args=[slug]),
            **days_page(request, practice, service, choose_url),
        }
        return render(request, "booking/times.html", context)


@rate_limited
def details(request, slug, service_id):
    practice = open_practice(slug)
    with scope(practice=practice):
        service = get_object_or_404(booking.bookable_services(practice), public_id=service_id)
        start = start_from(request)
        form = BookingDetailsForm(request.POST or None, practice=practice)
        problem = None
        if request.method == "POST":
            if form.is_spam:
                return redirect("booking:start", slug)
            if form.is_valid():
                try:
                    hold = booking.hold_from_page(practice, service, start, form.cleaned_data)
                except Unavailable as error:
                    problem = error.message
                else:
                    done = signing.dumps(str(hold.public_id), salt=DONE_SALT)
                    return redirect("booking:done", slug, done)
        else:
            problem = problem_at(practice, service, start)
        choose_url = reverse("booking:details", args=[slug, service_id])
        context = confirm_context(practice, service, start, problem, choose_url)
        context |= {
            "practice": practice,
            "form": form,
            "times_url": reverse("booking:times", args=[slug, service_id]),
        }
        return render(request, "booking/details.html", context)


@rate_limited
def done(request, slug, signed):
    """ "Check your e-mail (or texts)": built from what was typed on the page only, so it
    reads the same whether the address is a client's or new."""
    practice = open_practice(slug)
    try:
        public_id = signing.loads(signed, salt=DONE_SALT, max_age=datetime.timedelta(days=1))
    except signing.BadSignature:
        raise Http404("No such booking.") from None
    with scope(practice=practice):
        hold = get_object_or_404(
            BookingHold.objects.select_related("service"), practice=practice, public_id=public_id
        )
        context = {
            "practice": practice,
            "hold": hold,
            "when": dates.when(hold.start, practice),
            "minutes": settings.BOOKING_HOLD_MINUTES,
        }
        return render(request, "booking/done.html", context)


@rate_limited
def confirm_hold(request, token):
    """The link in the "confirm your booking" message: a page with one button (a mail
    scanner that opens links books nothing), which books the held time."""
    with scopes_disabled():
        hold = booking.hold_for_token(token)
    if hold is None or not hold.practice.online_booking:
        return render(request, "booking/hold_gone.html", status=404)
    practice, slug = hold.practice, hold.practice.slug
    with scope(practice=practice):
        when = dates.when(hold.start, practice)
        deposit = deposits.asked(hold)
        context = {"practice": practice, "hold": hold, "when": when, "deposit": deposit}
        if request.method == "POST":
            try:
                if deposit is not None:  # booked when the payment is reported
                    return redirect(deposits.checkout(hold, token))
                appointment = booking.confirm_hold(hold)
            except Unavailable as error:
                context |= {
                    "problem": error.message,
                    "times_url": reverse("booking:times", args=[slug, hold.service.public_id]),
                }
                return render(request, "booking/hold_confirm.html", context)
            context |= {
                "appointment": appointment,
                "new_client": appointment.client.intake_completed_at is None,
            }
            return render(request, "booking/booked.html", context)
        page = render(request, "booking/hold_confirm.html", context)
        return deposits.allow(page) if deposit is not None else page


# --- The client's personal link -------------------------------------------------------


def link_or_404(token):
    with scopes_disabled():
        link = booking.link_for_token(token)
    if link is None or not link.practice.online_booking:
        raise Http404("This link is not valid.")
    return link


def link_page(request, link, template, context):
    BookingLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    return render(request, template, {"practice": link.practice, "token_link": link, **context})


@rate_limited
def mine(request, token):
    link = link_or_404(token)
    practice = link.practice
    with scope(practice=practice):
        sessions = [
            {
                "appointment": appointment,
                "when": dates.when(appointment.start, practice),
                "changeable": booking.can_change(appointment),
                "move_url": reverse("booking:move", args=[token, appointment.public_id]),
                "cancel_url": reverse("booking:cancel", args=[token, appointment.public_id]),
                "wait_url": reverse("booking:wait", args=[token, appointment.public_id])
                if appointment.service_id
                else "",
            }
            for appointment in booking.upcoming(link.client)
        ]
        context = {
            "sessions": sessions,
            "sections": personal.sections_for(link.client, token),
            "first_name": link.client.first_name,
            "again_url": reverse("booking:again", args=[token]),
            "notice_hours": practice.cancellation_notice_hours,
        }
        return link_page(request, link, "booking/mine.html", context)


@rate_limited
def again(request, token, service_id=None):
    """Choose a time to book again: the client's last service, or the one chosen."""
    link = link_or_404(token)
    practice = link.practice
    with scope(practice=practice):
        services = list(booking.bookable_services(practice))
        choices = [
            (item, reverse("booking:again_service", args=[token, item.public_id]))
            for item in services
        ]
        if service_id is not None:
            service = next((item for item in services if item.public_id == service_id), None)
            if service is None:
                raise Http404("No such service.")
        elif link.service in services:
            service = link.service
        elif len(services) == 1:
            service = services[0]
        else:
            return link_page(request, link, "booking/services.html", {"services": choices})
        confirm_url = reverse("booking:again_confirm", args=[token, service.public_id])
        context = {
            **days_page(request, practice, service, confirm_url),
            "back_url": reverse("booking:mine", args=[token]),
            "other_services": [choice for choice in choices if choice[0] != service],
            "wait_url": reverse("booking:wait_any", args=[token, service.public_id]),
        }
        return link_page(request, link, "booking/times.html", context)


@rate_limited
def again_confirm(request, token, service_id):
    link = link_or_404(token)
    practice = link.practice
    with scope(practice=practice):
        service = get_object_or_404(booking.bookable_services(practice), public_id=service_id)
        start = start_from(request)
        problem = None
        if request.method == "POST":
            try:
                booking.book(
                    practice,
                    service,
                    start,
                    link.client,
                    via=Appointment.Via.PERSONAL_LINK,
                )
            except Unavailable as error:
                problem = error.message
            else:
                messages.success(request, f"Booked: {dates.when(start, practice)}.")
                return redirect("booking:mine", token)
        else:
            problem = problem_at(practice, service, start)
        confirm_url = reverse("booking:again_confirm", args=[token, service_id])
        context = confirm_context(practice, service, start, problem, confirm_url)
        context |= {
            "title": "Book this time",
            "action": "Book it",
            "times_url": reverse("booking:again_service", args=[token, service_id]),
        }
        return link_page(request, link, "booking/confirm.html", context)


@rate_limited
def move(request, token, appointment_id):
    link = link_or_404(token)
    practice = link.practice
    with scope(practice=practice):
        appointment = get_object_or_404(
            booking.upcoming(link.client).filter(service__isnull=False), public_id=appointment_id
        )
        service = appointment.service
        move_url = reverse("booking:move", args=[token, appointment_id])
        if not booking.can_change(appointment):
            messages.error(request, notice_text(practice, "moved"))
            return redirect("booking:mine", token)
        if request.method != "POST" and "at" not in request.GET:
            context = {
                **days_page(request, practice, service, move_url, ignore=appointment),
                "moving": dates.when(appointment.start, practice),
                "back_url": reverse("booking:mine", args=[token]),
            }
            return link_page(request, link, "booking/times.html", context)
        start = start_from(request)
        problem = None
        if request.method == "POST":
            try:
                booking.move(appointment, start)
            except Unavailable as error:
                problem = error.message
            else:
                messages.success(request, f"Moved to {dates.when(start, practice)}.")
                return redirect("booking:mine", token)
        else:
            problem = problem_at(practice, service, start, ignore=appointment)
        context = confirm_context(practice, service, start, problem, move_url, ignore=appointment)
        context |= {
            "title": "Move your session",
            "action": "Move it",
            "from_when": dates.when(appointment.start, practice),
            "times_url": move_url,
        }
        return link_page(request, link, "booking/confirm.html", context)


@rate_limited
def cancel(request, token, appointment_id):
    link = link_or_404(token)
    practice = link.practice
    with scope(practice=practice):
        appointment = get_object_or_404(booking.upcoming(link.client), public_id=appointment_id)
        late = not booking.can_change(appointment)
        if request.method == "POST":
            try:
                booking.cancel(appointment)
            except Unavailable as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Cancelled: {dates.when(appointment.start, practice)}.")
            return redirect("booking:mine", token)
        context = {
            "when": dates.when(appointment.start, practice),
            "late": late,
            "notice_hours": practice.cancellation_notice_hours,
            "back_url": reverse("booking:mine", args=[token]),
        }
        return link_page(request, link, "booking/cancel.html", context)


@rate_limited
def take(request, token):
    """A waitlist offer's link: the page that moves the client's later session to the freed
    time, or books it."""
    link = link_or_404(token)
    if link.offer_id is None:
        raise Http404("This link offers no time.")
    with scope(practice=link.practice):
        freed = link.offer
        later = booking.upcoming(link.client).filter(service=freed.service, start__gt=freed.start)
        later = later.first()
        if later is not None:
            path = reverse("booking:move", args=[token, later.public_id])
        else:
            path = reverse("booking:again_confirm", args=[token, freed.service.public_id])
        return redirect(f"{path}?at={iso(freed.start)}")


@rate_limited
def wait(request, token, appointment_id=None, service_id=None):
    """Ask to hear when an earlier time frees up: for a booked session, or for a service
    with no free time now."""
    link = link_or_404(token)
    practice = link.practice
    with scope(practice=practice):
        if appointment_id is not None:
            appointment = get_object_or_404(
                booking.upcoming(link.client).filter(service__isnull=False),
                public_id=appointment_id,
            )
            service, what = appointment.service, dates.when(appointment.start, practice)
        else:
            appointment = None
            service = get_object_or_404(booking.bookable_services(practice), public_id=service_id)
            what = None
        if request.method == "POST":
            booking.wait_for_earlier(link.client, service, appointment)
            messages.success(
                request,
                "Done: if a time frees up, we will let you know by "
                f"{'text' if link.client.preferred_channel == 'sms' else 'e-mail'}.",
            )
            return redirect("booking:mine", token)
        context = {
            "service": service,
            "what": what,
            "back_url": reverse("booking:mine", args=[token]),
        }
        return link_page(request, link, "booking/wait.html", context)


def problem_at(practice, service, start, *, ignore=None):
    try:
        availability.check(practice, service, start, ignore=ignore)
    except Unavailable as error:
        return error.message
    return None


def confirm_context(practice, service, start, problem, choose_url, *, ignore=None):
    return {
        "service": service,
        "start_value": iso(start),
        "when": dates.when(start, practice),
        "problem": problem,
        "alternatives": alternatives(practice, service, choose_url, ignore=ignore)
        if problem
        else [],
    }


def notice_text(practice, done):
    return (
        f"Sessions can be {done} here until {practice.cancellation_notice_hours} hours "
        "before they start. Please call us about this one."
    )
