from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from django_scopes import scope, scopes_disabled

from practice import audit, keyset
from practice.models import Practice, Practitioner
from practice.tenancy import (
    get_for_practice,
    object_from_query,
    owner_required,
    practice_required,
)

from . import answers, boundaries, erasure, importing, rechecks, record, services, timeline
from .forms import (
    ClientFilterForm,
    ClientForm,
    ImportUploadForm,
    IntakeForm,
)
from .models import (
    Channel,
    Client,
    IntakeLink,
    IntakeSubmission,
    hash_token,
)

PAGE_SIZE = 25
NEW_LINK_KEY = "new_intake_link"


def intake_rate(group, request):
    """Submissions allowed per visitor address (a setting, so tests can lower it)."""
    return settings.INTAKE_FORM_RATE


# --- The therapist's pages ------------------------------------------------------------


def current_client(request, public_id):
    """A client of this practice who has not been erased (an erased record keeps only its
    page with the retention notice, and its export for the owner); else 404."""
    return get_for_practice(request, Client, public_id=public_id, erased_at=None)


@practice_required
def client_list(request):
    """The practice's clients a page at a time, by key: ?after= (or ?before=) the public id
    of the row the page follows (precedes), ?last=1 for the last page; each read from the
    index of the list's order, and only the columns the list shows."""
    form = ClientFilterForm(request.GET or None)
    clients = Client.objects.filter(practice=request.practice, erased_at=None)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            clients = clients.filter(search_filter(data["q"]))
        if data["status"]:
            clients = clients.filter(status=data["status"])
        if data["flags"]:
            clients = clients.filter(has_red_flags=True)
        if data["intake_pending"]:
            clients = clients.filter(intake_completed_at__isnull=True)
    sort = form.cleaned_data["sort"] if form.is_valid() and form.cleaned_data["sort"] else "name"
    order = ClientFilterForm.SORTS[sort]
    keys = Client.objects.only(*(name.lstrip("-") for name in order))
    page = keyset.page(
        clients.only(*LISTED),
        order,
        size=PAGE_SIZE,
        after=object_from_query(request, keys, "after"),
        before=object_from_query(request, keys, "before"),
        last=request.GET.get("last") == "1",
    )
    # Signals are counted for this page's clients only, not the whole practice.
    page.rows = boundaries.annotate_counts(page.rows)
    for client in page.rows:
        client.boundaries = boundaries.boundary_lines(client, request.practice)
    query = request.GET.copy()
    for name in ("after", "before", "last", "page"):
        query.pop(name, None)
    context = {"form": form, "page": page, "count": clients.count(), "query": query.urlencode()}
    return render(request, "clients/list.html", context)


# What the list shows of each client (never the health fields).
LISTED = (
    "public_id",
    "first_name",
    "last_name",
    "email",
    "mobile",
    "status",
    "has_red_flags",
    "intake_completed_at",
    "created_at",
    "updated_at",
)


TIMELINE_SHOWN = 40  # the most recent entries on the client page; the rest one click away


def search_filter(text):
    text = text.strip()
    match = Q(first_name__icontains=text) | Q(last_name__icontains=text) | Q(email__icontains=text)
    parts = text.split()
    if len(parts) >= 2:
        match |= Q(first_name__icontains=parts[0], last_name__icontains=parts[-1])
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4:
        match |= Q(mobile__contains=digits.lstrip("0"))
    return match


@practice_required
def client_create(request):
    form = ClientForm(request.POST or None, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        client = form.save(commit=False)
        client.practice = request.practice
        client.save()
        record_consents(client, form, request.user)
        messages.success(request, f"{client} added.")
        return redirect("clients:detail", client.public_id)
    return render(request, "clients/form.html", {"form": form, "title": "New client"})


@practice_required
def client_edit(request, public_id):
    client = current_client(request, public_id)
    form = ClientForm(request.POST or None, instance=client, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        client = form.save()
        record_consents(client, form, request.user)
        messages.success(request, "Saved.")
        return redirect("clients:detail", client.public_id)
    return render(
        request, "clients/form.html", {"form": form, "client": client, "title": f"Edit {client}"}
    )


def record_consents(client, form, user):
    for channel in ("email", "sms"):
        if f"{channel}_consent" in form.changed_data or not client.consent_events.exists():
            client.record_consent(
                channel, form.cleaned_data[f"{channel}_consent"], "recorded by the practice", user
            )


@practice_required
def client_detail(request, public_id):
    client = get_for_practice(
        request,
        Client.objects.annotate(**boundaries.boundary_counts(boundaries.twelve_months_ago())),
        public_id=public_id,
    )
    # Each with the form it answered: the answers read with its questions and agreements.
    submissions = list(
        client.intake_submissions.select_related("form_version").order_by("-version")
    )
    latest = next((s for s in submissions if s.applied), None)
    if client.erased_at:  # nothing left to act on: only what is kept, and until when
        return render(request, "clients/erased.html", {"client": client})
    boundary_lines = boundaries.boundary_lines(client, request.practice)
    audit.record(request, audit.Action.VIEW, "client record and health answers", client)
    whole = request.GET.get("timeline") == "all"
    history = timeline.for_client(client, limit=None if whole else TIMELINE_SHOWN + 1)
    context = {
        "client": client,
        "submissions": submissions,
        "latest": latest,
        "answers": answers.submission_rows(latest, health_only=True) if latest else [],
        "to_review": [s for s in submissions if s.needs_review],
        "links": client.intake_links.all()[:5],
        "consent_events": client.consent_events.select_related("by")[:10],
        "timeline": history[:TIMELINE_SHOWN] if not whole else history,
        "timeline_more": len(history) > TIMELINE_SHOWN and not whole,
        "boundaries": boundary_lines,
        "boundaries_over": any(over for _, over in boundary_lines),
        "move_on": client.move_ons.filter(undone_at=None).first(),
        "referrals": client.referrals.select_related("practitioner")[:5],
        "email_bounced": client.bounced(Channel.EMAIL),
        "sms_bounced": client.bounced(Channel.SMS),
    }
    return render(request, "clients/detail.html", context)


@require_POST
@practice_required
def intake_link_create(request, public_id):
    client = current_client(request, public_id)
    _, token = IntakeLink.issue(client, by=request.user)
    # Shown once, on the next page; only its hash is kept after that.
    request.session[NEW_LINK_KEY] = {"client": str(client.public_id), "token": token}
    return redirect("clients:link_show", client.public_id)


@practice_required
def intake_link_show(request, public_id):
    client = current_client(request, public_id)
    new = request.session.pop(NEW_LINK_KEY, None)
    if not new or new["client"] != str(client.public_id):
        messages.info(request, "A link is shown only once. Create a new one to copy it again.")
        return redirect("clients:detail", client.public_id)
    link = client.intake_links.get(token_hash=hash_token(new["token"]))
    url = request.build_absolute_uri(reverse("intake:link", args=[new["token"]]))
    return render(
        request, "clients/link_created.html", {"client": client, "link": link, "url": url}
    )


@require_POST
@practice_required
def intake_link_revoke(request, public_id, link_id):
    client = current_client(request, public_id)
    link = get_for_practice(request, client.intake_links, public_id=link_id)
    link.revoke()
    messages.info(request, "The intake link no longer works.")
    return redirect("clients:detail", client.public_id)


@practice_required
def submission_detail(request, public_id, submission_id):
    client = current_client(request, public_id)
    submission = get_for_practice(request, client.intake_submissions, public_id=submission_id)
    older = client.intake_submissions.filter(version__lt=submission.version).first()
    audit.record(request, audit.Action.VIEW, f"intake form version {submission.version}", client)
    context = {
        "client": client,
        "submission": submission,
        "answers": answers.submission_rows(submission),
        "older": older,
        "changes": answers.compare_answers(older, submission) if older else None,
    }
    return render(request, "clients/submission.html", context)


@require_POST
@practice_required
def submission_review(request, public_id, submission_id):
    client = current_client(request, public_id)
    submission = get_for_practice(
        request, client.intake_submissions.filter(needs_review=True), public_id=submission_id
    )
    if request.POST.get("decision") == "apply":
        services.apply_submission(submission, by=request.user)
        messages.success(request, "The new answers are now on the client's record.")
    else:
        services.dismiss_submission(submission)
        messages.info(request, "Kept the record as it was; the submission stays in the history.")
    return redirect("clients:detail", client.public_id)


@owner_required
def client_export(request, public_id):
    """The client's whole record, JSON plus PDFs in one zip (their right of access)."""
    client = get_for_practice(request, Client, public_id=public_id)
    audit.record(
        request, audit.Action.EXPORT, "the whole client record (zip: JSON and PDFs)", client
    )
    name = f"client-record-{timezone.localdate():%Y-%m-%d}-{str(client.public_id)[:8]}.zip"
    response = HttpResponse(record.as_zip(client), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@practice_required
def client_import(request):
    """Upload a CSV, see every row checked, then confirm; nothing is saved before that."""
    if request.method == "POST" and "csv_text" in request.POST:
        result = importing.preview(request.POST["csv_text"], request.practice)
        created = [] if result.problem else importing.import_clients(result, request.practice)
        return render(request, "clients/import_done.html", {"created": created, "result": result})
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text = importing.decode(form.cleaned_data["file"].read())
        result = importing.preview(text, request.practice)
        if not result.problem:
            context = {"result": result, "csv_text": text}
            return render(request, "clients/import_preview.html", context)
        form.add_error("file", result.problem)
    return render(request, "clients/import.html", {"form": form})


@owner_required
def erase(request, public_id):
    """Erase a client's personal data at their request (confirm first)."""
    client = current_client(request, public_id)
    if request.method == "POST" and request.POST.get("confirm") == "erase":
        audit.record(request, audit.Action.CHANGE, "erased the client's personal data", client)
        erased = erasure.erase_client(client)
        messages.success(request, erased_message(erased, client))
        return redirect("clients:list")
    context = {"client": client, "years": settings.CLINICAL_RETENTION_YEARS}
    return render(request, "clients/erase.html", context)


def erased_message(erased, client):
    cancelled = []
    if erased.bookings_cancelled:
        count = erased.bookings_cancelled
        cancelled.append(f"{count} future booking{pluralize(count)}")
    if erased.messages_cancelled:
        count = erased.messages_cancelled
        cancelled.append(f"{count} planned message{pluralize(count)}")
    done = f" Cancelled {' and '.join(cancelled)}; nobody was told." if cancelled else ""
    return (
        f"Personal data erased.{done} Signed notes and incidents are kept until "
        f"{client.retain_until:%-d %B %Y}, then deleted."
    )


# --- What clients see -----------------------------------------------------------------


def link_or_404(token):
    """The usable intake link for this token; missing, expired and revoked look the same."""
    with scopes_disabled():
        link = (
            IntakeLink.objects.usable()
            .select_related("client", "practice")
            .filter(token_hash=hash_token(token))
            .first()
        )
    if link is None:
        raise Http404("This link is not valid.")
    return link


@ratelimit(key="ip", rate=intake_rate, method="POST", block=True)
def intake_by_link(request, token):
    link = link_or_404(token)
    practice = link.practice
    with scope(practice=practice):
        if request.method == "POST":
            form = IntakeForm(request.POST, practice=practice)
            if form.is_spam:
                return redirect("intake:thanks", practice.slug)
            if form.is_valid():
                save_intake(request, form, practice, IntakeSubmission.Via.LINK, link.client)
                IntakeLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
                return redirect("intake:thanks", practice.slug)
        else:
            form = IntakeForm(
                initial=IntakeForm.initial_from_client(link.client), practice=practice
            )
        context = {
            "form": form,
            "practice": practice,
            "returning": link.client.intake_completed_at is not None,
        }
        return render(request, "clients/intake/form.html", context)


@ratelimit(key="ip", rate=intake_rate, method="POST", block=True)
def health_check(request, token):
    """ "Has anything changed since your last visit?" from the reminder's link: one tap
    says nothing did; else the client updates their form (prefilled, as the link's own
    page). An intake past the practice's limit is asked in full instead."""
    link = link_or_404(token)
    practice, client = link.practice, link.client
    with scope(practice=practice):
        stale = rechecks.out_of_date(client, practice)
        context = {"practice": practice, "client": client, "token": token, "stale": stale}
        if request.method == "POST" and not stale:
            rechecks.nothing_changed(client, ip=request.META.get("REMOTE_ADDR"))
            IntakeLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
            return render(request, "clients/intake/check_done.html", context)
        return render(request, "clients/intake/check.html", context)


@ratelimit(key="ip", rate=intake_rate, method="POST", block=True)
def intake_public(request, slug):
    practice = get_object_or_404(Practice, slug=slug)
    if practice.is_full:
        with scope(practice=practice):
            colleagues = list(Practitioner.taking_new_clients(practice))
        context = {"practice": practice, "practitioners": colleagues}
        return render(request, "clients/intake/practice_full.html", context)
    with scope(practice=practice):
        form = IntakeForm(request.POST or None, practice=practice)
        if request.method == "POST":
            if form.is_spam:
                return redirect("intake:thanks", practice.slug)
            if form.is_valid():
                save_intake(request, form, practice, IntakeSubmission.Via.PUBLIC_FORM)
                return redirect("intake:thanks", practice.slug)
        return render(request, "clients/intake/form.html", {"form": form, "practice": practice})


def save_intake(request, form, practice, via, client=None):
    return services.submit_intake(
        practice,
        form.answers(),
        nonce=form.cleaned_data["nonce"],
        via=via,
        client=client,
        ip=request.META.get("REMOTE_ADDR"),
        user_agent=request.headers.get("user-agent", ""),
        form_version=form.version,
    )


def intake_thanks(request, slug):
    practice = get_object_or_404(Practice, slug=slug)
    return render(request, "clients/intake/thanks.html", {"practice": practice})
