from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.models import Client
from followups.planning import complaint_followup
from practice import audit, pdf
from practice.tenancy import (
    get_for_practice,
    object_from_query,
    owner_required,
    practice_required,
)

from . import reports, sending, services
from .forms import ComplaintForm, IncidentForm, SendReportForm, StepForm
from .models import Complaint, ComplaintStep, Incident, IncidentReport


def client_from_query(request):
    return object_from_query(request, Client, "client")


@practice_required
def complaint_list(request):
    complaints = (
        Complaint.objects.filter(practice=request.practice)
        .select_related("client")
        .order_by("closed_at", "-received_at")
    )
    incidents = (
        Incident.objects.filter(practice=request.practice)
        .select_related("client")
        .order_by("-reported_at")
    )
    incidents = list(incidents[:100])
    for incident in incidents:
        incident.openable = incident.can_be_read_by(request.membership)
    context = {"complaints": complaints[:100], "incidents": incidents, "now": timezone.now()}
    return render(request, "complaints/list.html", context)


@practice_required
def complaint_create(request):
    client = client_from_query(request)
    form = ComplaintForm(
        request.POST or None,
        initial={"client": client, "received_at": timezone.localtime().replace(second=0)},
        practice=request.practice,
        client=client,
    )
    if request.method == "POST" and form.is_valid():
        complaint = form.save(commit=False)
        complaint.practice, complaint.created_by = request.practice, request.user
        complaint.save()
        form.save_m2m()
        messages.success(request, "Complaint recorded. Acknowledge it within 24 hours.")
        return redirect("complaints:detail", complaint.public_id)
    return render(request, "complaints/form.html", {"form": form, "title": "Record a complaint"})


@practice_required
def complaint_detail(request, public_id):
    complaint = get_for_practice(
        request,
        Complaint.objects.select_related("client").prefetch_related(
            Prefetch("steps", queryset=ComplaintStep.objects.select_related("by")), "sessions"
        ),
        public_id=public_id,
    )
    done = {step.step: step for step in complaint.steps.all()}
    steps = [(value, label, done.get(value)) for value, label in ComplaintStep.Step.choices]
    next_step = next((value for value, _, record in steps if record is None), None)
    context = {
        "complaint": complaint,
        "steps": steps,
        "next_step": next_step,
        "form": StepForm(initial={"step": next_step}),
        "followup": complaint_followup(complaint.practice, complaint.public_id),
        "now": timezone.now(),
    }
    return render(request, "complaints/detail.html", context)


@require_POST
@practice_required
def complaint_step(request, public_id):
    complaint = get_for_practice(request, Complaint, public_id=public_id)
    form = StepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_step(
                complaint,
                data["step"],
                request.user,
                note=data["note"],
                offer=data["offer"],
                offer_value=data["offer_value"],
                follow_up_at=data["follow_up_at"],
                outcome=data["outcome"],
                lessons=data["lessons"],
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, "Step recorded.")
    else:
        messages.error(
            request,
            "Check the details: "
            + "; ".join(
                f"{form.fields[name].label or name}: {errors[0]}"
                for name, errors in form.errors.items()
            ),
        )
    return redirect("complaints:detail", complaint.public_id)


@practice_required
def incident_create(request):
    client = client_from_query(request)
    form = IncidentForm(
        request.POST or None,
        initial={"client": client, "reported_at": timezone.localtime().replace(second=0)},
        practice=request.practice,
        client=client,
    )
    if request.method == "POST" and form.is_valid():
        incident = form.save(commit=False)
        incident.practice = request.practice
        incident.recorded_by = request.user
        incident.save()
        form.save_m2m()
        messages.success(request, "Incident recorded.")
        return redirect("complaints:incident", incident.public_id)
    return render(request, "complaints/form.html", {"form": form, "title": "Record an incident"})


@practice_required
def incident_detail(request, public_id):
    incident = get_for_practice(
        request,
        Incident.objects.select_related("client", "statement_signed_by"),
        public_id=public_id,
    )
    if not incident.can_be_read_by(request.membership):
        raise PermissionDenied("Only the practice owner can open this incident.")
    if not request.membership.is_owner:
        audit.record(request, audit.Action.VIEW, "incident", incident.client)
        return render(request, "complaints/incident_recorded.html", {"incident": incident})
    form = IncidentForm(request.POST or None, instance=incident, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        if incident.statement_locked and form.changed_facts():
            services.amend_incident(form, request.membership, form.cleaned_data["amend_reason"])
        else:
            form.save()
        audit.record(request, audit.Action.CHANGE, "incident", incident.client)
        messages.success(request, "Saved.")
        return redirect("complaints:incident", incident.public_id)
    audit.record(request, audit.Action.VIEW, "incident", incident.client)
    practice = request.practice
    send_form = SendReportForm(
        initial={
            "to": practice.insurer_claims_email,
            "cover_message": cover_message(incident, practice),
        }
    )
    context = {
        "incident": incident,
        "form": form,
        "send_form": send_form,
        "reports": reports_of(incident),
    }
    return render(request, "complaints/incident.html", context)


@owner_required
def incident_reports(request, public_id):
    """The list of reports made, for the incident page to refresh while one is sending."""
    incident = get_for_practice(request, Incident, public_id=public_id)
    context = {"incident": incident, "reports": reports_of(incident)}
    return render(request, "complaints/_reports.html", context)


def reports_of(incident):
    return incident.reports.defer("pdf").select_related("created_by")


def cover_message(incident, practice):
    policy = practice.insurance_policy_number or "(policy number)"
    claim = f" Claim reference: {incident.claim_reference}." if incident.claim_reference else ""
    return (
        f"Please find attached my report of an incident involving a client, reported on "
        f"{timezone.localtime(incident.reported_at):%-d %B %Y}. My policy number is {policy}."
        f"{claim}\n\nKind regards,\n{practice.name}"
    )


@require_POST
@owner_required
def incident_sign_statement(request, public_id):
    incident = get_for_practice(request, Incident, public_id=public_id)
    try:
        services.sign_statement(incident, request.membership)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Statement signed and locked.")
    return redirect("complaints:incident", incident.public_id)


@owner_required
def incident_report_preview(request, public_id):
    """The report as it would be sent now (not stored)."""
    incident = get_for_practice(request, Incident, public_id=public_id)
    data, _ = reports.render_pdf(incident)
    audit.record(request, audit.Action.RENDER, "incident report", incident.client)
    return pdf.response(data, "incident-report-preview.pdf")


@require_POST
@owner_required
def incident_report_send(request, public_id):
    incident = get_for_practice(request, Incident, public_id=public_id)
    form = SendReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the address and the covering message.")
        return redirect("complaints:incident", incident.public_id)
    report = services.request_report(
        incident,
        request.user,
        sent_to=form.cleaned_data["to"],
        cover_message=form.cleaned_data["cover_message"],
    )
    audit.record(
        request, audit.Action.EMAIL, f"incident report to {report.sent_to}", incident.client
    )
    messages.success(
        request,
        f"The report is being made and sent to {report.sent_to}. "
        "It shows as sent below once it has gone.",
    )
    return redirect("complaints:incident", incident.public_id)


@require_POST
@owner_required
def report_resend(request, public_id):
    report = get_for_practice(
        request, IncidentReport.objects.defer("pdf").select_related("followup"), public_id=public_id
    )
    sending.send_again(report)
    messages.success(request, "Sending it again.")
    return redirect("complaints:incident", report.incident.public_id)


@owner_required
def report_download(request, public_id):
    """The stored copy, byte for byte as it was sent."""
    report = get_for_practice(
        request, IncidentReport.objects.select_related("incident"), public_id=public_id
    )
    if not report.sha256:
        raise Http404("This report is still being made.")
    audit.record(request, audit.Action.EXPORT, "stored incident report", report.incident.client)
    return pdf.response(bytes(report.pdf), f"incident-report-{report.created_at:%Y%m%d-%H%M}.pdf")
