"""Owner pages that set sessions up: services, techniques and the calendar feed."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scope, scopes_disabled

from practice.tenancy import owner_required, practice_required

from . import calendar
from .models import CalendarFeed, Service, Technique

CATALOGUES = {
    "services": (Service, ("name", "duration_minutes", "price", "active"), "Services"),
    "techniques": (Technique, ("name", "active"), "Techniques"),
}
NEW_FEED_KEY = "new_calendar_token"


@owner_required
def catalogue(request, kind):
    """Edit the practice's list of services or techniques (archive by unticking active)."""
    model, fields, title = CATALOGUES[kind]
    FormSet = forms.modelformset_factory(model, fields=fields, extra=2)
    queryset = model.objects.filter(practice=request.practice)
    formset = FormSet(request.POST or None, queryset=queryset, prefix=kind)
    if request.method == "POST" and formset.is_valid():
        for item in formset.save(commit=False):
            item.practice = request.practice
            item.save()
        messages.success(request, f"{title} saved.")
        return redirect(f"sessions:{kind}")
    return render(request, "sessions/catalogue.html", {"formset": formset, "title": title})


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
