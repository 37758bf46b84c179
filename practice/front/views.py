from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clients.models import Client
from followups.models import inbound_texts_unverifiable
from practice import backups
from practice.forms import PracticeCreateForm, PracticeSettingsForm, SignUpForm
from practice.models import AuditEvent, Membership
from practice.services import create_practice
from practice.tenancy import object_from_query, owner_required, switch_practice


def health(request):
    """For a load balancer or uptime check: the app answers (always 200: an old backup is
    no reason to stop serving), with a line for each part of the set-up that is wrong. At
    most one query (the latest backup, where backups are set up)."""
    lines = ["ok"]
    if reason := inbound_texts_unverifiable():
        lines.append(f"warning: texts from clients cannot be verified: {reason}")
    if reason := backups.stale_reason():
        lines.append(f"error: backups: {reason}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def health_backups(request):
    """For an uptime monitor watching backups: 200 while the latest is recent, else 503."""
    reason = backups.stale_reason()
    body = f"error: {reason}\n" if reason else "ok\n"
    return HttpResponse(body, status=503 if reason else 200, content_type="text/plain")


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect(settings.LOGIN_URL)


def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            membership = create_practice(
                user,
                name=form.cleaned_data["practice_name"],
                time_zone=form.cleaned_data["time_zone"],
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        switch_practice(request, membership)
        messages.success(request, f"Welcome! {membership.practice} is ready.")
        return redirect("dashboard")
    return render(request, "practice/signup.html", {"form": form})


@login_required
def practice_create(request):
    """Create another practice (or a first one, for an account that has none)."""
    form = PracticeCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = create_practice(request.user, **form.cleaned_data)
        switch_practice(request, membership)
        messages.success(request, f"{membership.practice} is ready. Fill in its details below.")
        return redirect("practice:settings")
    return render(request, "practice/create.html", {"form": form})


@login_required
def practice_switch_list(request):
    return render(request, "practice/switch.html", {"memberships": request.memberships})


@require_POST
@login_required
def practice_switch(request, public_id):
    """Make another of the user's practices the current one; 404 for anyone else's."""
    for membership in request.memberships:
        if membership.practice.public_id == public_id:
            switch_practice(request, membership)
            messages.info(request, f"You are now working in {membership.practice}.")
            return redirect("dashboard")
    raise Http404("No such practice.")


@owner_required
def practice_settings(request):
    form = PracticeSettingsForm(request.POST or None, instance=request.practice)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Settings saved.")
        return redirect("practice:settings")
    return render(request, "practice/settings.html", {"form": form})


def rate_limited(request, exception):
    """Shown instead of a form when one address has sent too many in a short time."""
    return render(request, "rate_limited.html", status=429)


@owner_required
def audit_trail(request):
    """Who saw or did what with clinical data, for one client or one person."""
    events = AuditEvent.objects.filter(practice=request.practice).select_related("user", "client")
    client = user = None
    if client := object_from_query(request, Client, "client"):
        events = events.filter(client=client)
    if member := object_from_query(request, Membership.objects.select_related("user"), "member"):
        user = member.user
        events = events.filter(user=user)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "client": client,
        "person": user,
        "members": Membership.objects.filter(practice=request.practice).select_related("user"),
    }
    return render(request, "practice/audit.html", context)
