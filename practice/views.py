from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.models import Client, IntakeSubmission
from complaints.models import Complaint, Incident
from followups.models import CheckIn, FollowUp
from followups.planning import lapsed_clients
from sessions.services import overdue_unsigned

from . import tasks
from .forms import PracticeCreateForm, PracticeSettingsForm, SignUpForm
from .models import Heartbeat
from .services import create_practice
from .tenancy import owner_required, practice_required, switch_practice

INSURANCE_WARNING_DAYS = 30


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


@practice_required
def dashboard(request):
    practice = request.practice
    last_beat, beat_stale = Heartbeat.status(tasks.HEARTBEAT)
    days_left = practice.insurance_days_left()
    context = {
        "last_beat": last_beat,
        "beat_stale": beat_stale,
        "insurance_days_left": days_left,
        "insurance_warning": days_left is not None and days_left <= INSURANCE_WARNING_DAYS,
        "setup_missing": setup_missing(practice),
        "intakes_to_review": intakes_to_review(practice),
        "new_prospects": new_prospects(practice),
        "unsigned": list(overdue_unsigned(practice)[:10]),
        "worse": list(
            CheckIn.objects.filter(practice=practice, answer="worse", seen_at__isnull=True)
            .select_related("client", "appointment")
            .order_by("-answered_at")[:10]
        ),
        **message_counts(practice),
        **slipping_away(practice),
        "open_complaints": list(
            Complaint.objects.filter(practice=practice, closed_at__isnull=True)
            .select_related("client")
            .order_by("received_at")[:10]
        ),
        "open_incidents": list(
            Incident.objects.filter(practice=practice)
            .exclude(status=Incident.Status.CLOSED)
            .select_related("client")
            .order_by("-reported_at")[:10]
        ),
        "now": timezone.now(),
    }
    return render(request, "practice/dashboard.html", context)


def slipping_away(practice, shown=5):
    """Lapsed clients, most valuable first, and the yearly revenue they represent."""
    lapsed = lapsed_clients(practice)
    return {
        "lapsed": lapsed[:shown],
        "lapsed_count": len(lapsed),
        "revenue_at_risk": sum(row["revenue_at_risk"] for row in lapsed),
    }


def message_counts(practice):
    """Failed messages and open to-dos, in one query."""
    return FollowUp.objects.filter(practice=practice).aggregate(
        failed_messages=Count("pk", filter=Q(status=FollowUp.Status.FAILED)),
        todos_due=Count(
            "pk", filter=Q(channel="task", status=FollowUp.Status.SENT, done_at__isnull=True)
        ),
    )


def setup_missing(practice):
    """The settings a new practice has not filled in yet, in plain words."""
    missing = []
    if not (
        practice.insurer_name and practice.insurance_policy_number and practice.insurance_expires_on
    ):
        missing.append("your indemnity insurer, policy number and expiry date")
    if not practice.insurer_claims_email:
        missing.append("your insurer's claims e-mail")
    if not practice.cancellation_policy:
        missing.append("your cancellation policy")
    if not practice.late_arrival_policy:
        missing.append("your late-arrival policy")
    return missing


def rate_limited(request, exception):
    """Shown instead of a form when one address has sent too many in a short time."""
    return render(request, "rate_limited.html", status=429)


def intakes_to_review(practice, limit=5):
    """New-client forms that matched an existing client and wait for the therapist."""
    return list(
        IntakeSubmission.objects.filter(practice=practice, needs_review=True)
        .select_related("client")
        .order_by("-submitted_at")[:limit]
    )


def new_prospects(practice, days=7):
    since = timezone.now() - timezone.timedelta(days=days)
    return Client.objects.filter(
        practice=practice, status=Client.Status.PROSPECT, created_at__gte=since
    ).count()
