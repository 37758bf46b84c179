from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from django_scopes import scope, scopes_disabled
from twilio.request_validator import RequestValidator

from clients.models import Client
from practice import text
from practice.security import raw_post
from practice.tenancy import get_for_practice, owner_required, practice_required

from . import delivery, planning, rules, services, sms, wording
from .kinds import KINDS, RULELESS_KINDS, TEXTED_KINDS, UNSEEN_KINDS
from .models import (
    OPEN_TODO,
    Channel,
    CheckIn,
    FollowUp,
    Kind,
    Rule,
    inbound_texts_unverifiable,
)

PAGE_SIZE = 50
FILTERS = {
    "due": {"status": FollowUp.Status.SCHEDULED},
    "sent": {"status": FollowUp.Status.SENT},
    "failed": {"status": FollowUp.Status.FAILED},
    "skipped": {"status__in": [FollowUp.Status.SKIPPED, FollowUp.Status.CANCELLED]},
    "tasks": {"channel": "task"},
}


@practice_required
def followup_list(request):
    show = request.GET.get("show", "due")
    if show not in FILTERS:
        show = "due"
    followups = (
        FollowUp.objects.filter(practice=request.practice, **FILTERS[show])
        .exclude(kind__in=UNSEEN_KINDS)
        .select_related("client")
        .order_by("-due_at" if show in ("sent", "skipped") else "due_at", "pk")
    )
    page = Paginator(followups, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "followups/list.html", {"page": page, "show": show, "filters": FILTERS})


@practice_required
def todo_list(request):
    tasks = (
        FollowUp.objects.filter(OPEN_TODO, practice=request.practice)
        .select_related("client")
        .order_by("due_at")
    )
    return render(request, "followups/todo.html", {"tasks": tasks})


@require_POST
@practice_required
def todo_done(request, public_id):
    followup = get_for_practice(request, FollowUp, public_id=public_id, channel="task")
    services.mark_done(followup, request.POST.get("outcome", ""))
    if request.headers.get("HX-Request"):
        return HttpResponse("")  # htmx removes the row
    messages.success(request, "Done.")
    return redirect("followups:todo")


@require_POST
@practice_required
def followup_retry(request, public_id):
    followup = get_for_practice(request, FollowUp, public_id=public_id)
    if services.retry(followup):
        messages.success(request, "It will be sent again in a moment.")
    return redirect(reverse("followups:list") + "?show=failed")


@require_POST
@practice_required
def followup_send_anyway(request, public_id):
    followup = get_for_practice(request, FollowUp, public_id=public_id)
    if services.send_anyway(followup):
        messages.success(request, "Sent on purpose: it goes out in a moment.")
    else:
        messages.error(request, "This message cannot be sent any more.")
    return redirect(reverse("followups:list") + "?show=skipped")


@require_POST
@practice_required
def send_intake_link(request, public_id):
    client = get_for_practice(request, Client, public_id=public_id, erased_at=None)
    followup = planning.plan_intake_link(client)
    if followup is None:
        messages.info(request, "Sending intake links is turned off in the follow-up settings.")
    elif followup.channel == "task":
        messages.info(
            request,
            f"{client.first_name} has not agreed to e-mails or texts: "
            "it is on your to-do list to give them the link another way.",
        )
    else:
        messages.success(
            request, f"The intake link is on its way by {followup.get_channel_display().lower()}."
        )
    return redirect("clients:detail", client.public_id)


@require_POST
@practice_required
def checkin_seen(request, public_id):
    checkin = get_for_practice(request, CheckIn, public_id=public_id)
    services.mark_seen(checkin, request.user)
    if request.headers.get("HX-Request"):
        return HttpResponse("")  # htmx removes the item
    return redirect("dashboard")


# --- Rule settings --------------------------------------------------------------------


def rule_form_class(kind):
    class RuleForm(forms.ModelForm):
        class Meta:
            model = Rule
            fields = ("enabled", *KINDS[kind].editable, "subject", "body")
            fields += ("text",) if kind in TEXTED_KINDS else ()
            widgets = {
                "at_time": forms.TimeInput({"type": "time"}, format="%H:%M"),
                "body": forms.Textarea({"rows": 8}),
                # As it is typed, the page asks for the text's length (see rule_edit).
                "text": forms.Textarea(
                    {
                        "rows": 3,
                        "hx-post": reverse("followups:rule", args=[kind]),
                        "hx-trigger": "input changed delay:300ms",
                        "hx-target": "#text-length",
                        "hx-vals": '{"measure": "1"}',
                        "aria-describedby": "text-length",
                    }
                ),
            }

        def clean_sequence(self):
            value = self.cleaned_data["sequence"]
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not parts or not all(p.isdigit() for p in parts):
                raise forms.ValidationError("Whole numbers of days separated by commas: 0, 3, 10.")
            return ", ".join(parts)

        def clean(self):
            cleaned = super().clean()
            for name in ("subject", "body", "text"):
                try:
                    wording.render_text(cleaned.get(name) or "", {})
                except wording.RenderError as error:
                    self.add_error(name, str(error))
            return cleaned

    return RuleForm


@owner_required
def rule_list(request):
    practice = request.practice
    shown = [rules.rule_for(practice, kind) for kind in Kind if kind not in RULELESS_KINDS]
    return render(request, "followups/rules.html", {"rules": shown})


@owner_required
def rule_edit(request, kind):
    if kind not in Kind.values or kind in RULELESS_KINDS:
        raise Http404("No such kind of follow-up.")
    rule = rules.rule_for(request.practice, kind)
    if request.method == "POST" and request.POST.get("measure"):
        rule.text = request.POST.get("text", "")[:640]
        context = {"text": text_lengths(request.practice, rule)}
        return render(request, "followups/_text_length.html", context)
    form = rule_form_class(kind)(request.POST or None, instance=rule)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" not in request.POST:
            form.save()
            messages.success(request, "Saved.")
            return redirect("followups:rules")
        preview = sample_preview(request.practice, form.instance)
    elif request.method == "GET":
        preview = sample_preview(request.practice, rule)
    spec = KINDS[kind]
    shown = form.instance if request.method == "POST" else rule
    context = {
        "form": form,
        "rule": rule,
        "preview": preview,
        "text": text_lengths(request.practice, shown) if spec.text else None,
        "default_subject": spec.subject,
        "default_body": spec.body,
        "default_text": spec.text,
    }
    return render(request, "followups/rule_form.html", context)


def sample_preview(practice, rule, first_name="Alex", channel=""):
    """The message as a made-up client would get it."""
    sample = Client(practice=practice, first_name=first_name, last_name="Sample")
    followup = FollowUp(practice=practice, client=sample, kind=rule.kind, channel=channel)
    try:
        return wording.render(followup, rule, sample=True)
    except wording.RenderError as error:
        return ("", str(error))


def text_lengths(practice, rule):
    """The text message for a plain name and for an accented one, with what each costs."""
    _, plain = sample_preview(practice, rule, "Alex", Channel.SMS)
    _, accented = sample_preview(practice, rule, "Siân", Channel.SMS)
    return {
        "sample": plain,
        "plain": sms.measure(plain),
        "accented": sms.measure(accented),
        "forcing": sms.first_non_gsm(plain),
    }


# --- Pages clients open from a message ------------------------------------------------


@ratelimit(key="ip", rate="30/h", method="POST", block=True)
def checkin_reply(request, token):
    with scopes_disabled():
        checkin = services.checkin_for_token(token)
    if checkin is None:
        raise Http404("This link is not valid.")
    with scope(practice=checkin.practice):
        answers = CheckIn.Answer
        context = {"checkin": checkin, "practice": checkin.practice}
        if not checkin.is_open():
            return render(request, "followups/checkin_closed.html", context)
        if request.method == "POST" and request.POST.get("answer") in answers.values:
            comment = request.POST.get("comment", "")[:2000]
            rating = request.POST.get("rating")
            rating = int(rating) if rating in {"1", "2", "3", "4", "5"} else None
            try:
                checkin = services.record_checkin_answer(
                    checkin, request.POST["answer"], comment, rating
                )
            except services.CheckInClosed:
                return render(request, "followups/checkin_closed.html", context)
            book_url = ""
            if checkin.answer != answers.WORSE and checkin.practice.online_booking:
                # Feeling better or the same: one tap to the next session.
                book_url = wording.checkin_book_link(checkin)
            context |= {"checkin": checkin, "book_url": book_url}
            return render(request, "followups/checkin_thanks.html", context)
        context["answers"] = answers.choices
        return render(request, "followups/checkin.html", context)


@csrf_exempt  # mail programs post one-click unsubscribes without a form; the token is signed
@ratelimit(key="ip", rate="30/h", method="POST", block=True)
def unsubscribe(request, token):
    found = wording.read_unsubscribe_token(token)
    if found is None:
        raise Http404("This link is not valid.")
    client_id, channel = found
    with scopes_disabled():
        client = Client.objects.select_related("practice").filter(public_id=client_id).first()
    if client is None:
        raise Http404("This link is not valid.")
    with scope(practice=client.practice):
        if request.method == "POST":
            services.unsubscribe(client, channel, "unsubscribe link")
            return render(request, "followups/unsubscribed.html", {"practice": client.practice})
        return render(request, "followups/unsubscribe.html", {"practice": client.practice})


def signed_by_twilio(request):
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    signature = request.headers.get("X-Twilio-Signature", "")
    url = request.build_absolute_uri()
    return bool(settings.TWILIO_AUTH_TOKEN) and validator.validate(url, request.POST, signature)


@csrf_exempt  # Twilio posts without our CSRF token; its signature is checked instead
@raw_post  # the signature covers the values as sent; what is kept is cleaned here
@ratelimit(key="ip", rate="120/m", method="POST", block=True)
@require_POST
def inbound_sms(request):
    number, body = request.POST.get("From", ""), text.clean(request.POST.get("Body", ""))
    number = text.clean(number)
    if not signed_by_twilio(request):
        reason = inbound_texts_unverifiable() or "its signature did not match"
        with scopes_disabled():
            services.log_unverified_text(number, reason)
        return HttpResponseForbidden("Bad signature.")
    with scopes_disabled():
        services.inbound_sms(number, body)
    return HttpResponse("<Response></Response>", content_type="text/xml")


@csrf_exempt  # as above: Twilio's delivery reports carry its signature
@raw_post
@require_POST
def sms_status(request):
    if not signed_by_twilio(request):
        return HttpResponseForbidden("Bad signature.")
    with scopes_disabled():
        delivery.sms_status(
            request.POST.get("MessageSid", ""),
            request.POST.get("MessageStatus"),
            error_code(request.POST.get("ErrorCode", "")),
        )
    return HttpResponse(status=204)


def error_code(value):
    return int(value) if value.strip().isdigit() else None
