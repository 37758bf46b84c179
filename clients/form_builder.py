"""Settings → Intake form: the owner writes the practice's own questions and the
agreements clients sign (a draft), sees the form as a client will on a phone, and
publishes it as a new version.

The standard safety checklist is not edited here: the red flags and the insurer report
rest on it, so every version asks it.
"""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practice.tenancy import get_for_practice, owner_required

from . import health, questions, services
from .forms import AgreementForm, IntakeForm, QuestionForm
from .models import Agreement, IntakeFormVersion, IntakeQuestion


@owner_required
def builder(request):
    practice = request.practice
    current = IntakeFormVersion.current(practice)
    rows = services.draft(practice)
    sections = {}
    for question in rows:
        sections.setdefault(question.section, []).append(question)
    signed = list(Agreement.objects.filter(practice=practice))
    published = ([question.published() for question in rows], [a.published() for a in signed])
    context = {
        "sections": sections,
        "agreements": signed,
        "current": current,
        "unpublished": published != (current.questions, current.agreements),
        "checklist": health.CONDITIONS,
        "kinds": dict(questions.Kind.choices),
    }
    return render(request, "clients/form_builder/builder.html", context)


@owner_required
def question_add(request):
    return question_form(request, IntakeQuestion(practice=request.practice))


@owner_required
def question_edit(request, question_id):
    question = get_for_practice(request, IntakeQuestion, public_id=question_id)
    return question_form(request, question)


def question_form(request, question):
    practice = request.practice
    if question.pk is None and "section" in request.GET:
        question.section = request.GET["section"][:80]
    form = QuestionForm(request.POST or None, instance=question, practice=practice)
    if request.method == "POST" and form.is_valid():
        question = form.save(commit=False)
        if question.pk is None:
            last = IntakeQuestion.objects.filter(practice=practice).aggregate(n=Max("position"))
            question.position = (last["n"] or 0) + 1
        question.save()
        messages.success(request, f"Saved “{question.label}”. Publish to ask it on new forms.")
        return redirect("intake_form:builder")
    known = IntakeQuestion.objects.filter(practice=practice).values_list("section", flat=True)
    context = {"form": form, "question": question, "sections": sorted(set(known))}
    return render(request, "clients/form_builder/question.html", context)


@require_POST
@owner_required
def question_move(request, question_id, direction):
    """Swap a question with its neighbour above or below (in the whole list, so a question
    can move into the next section too). A question stays after the one it depends on."""
    if direction not in ("up", "down"):
        return redirect("intake_form:builder")
    rows = services.draft(request.practice)
    question = get_for_practice(request, IntakeQuestion, public_id=question_id)
    at = next(n for n, row in enumerate(rows) if row.pk == question.pk)
    other_at = at - 1 if direction == "up" else at + 1
    if not 0 <= other_at < len(rows):
        return redirect("intake_form:builder")
    first, second = sorted((rows[at], rows[other_at]), key=rows.index)
    if second.show_if_id == first.pk:
        messages.error(
            request, f"“{second.label}” is shown only after “{first.label}”, so it stays below it."
        )
        return redirect("intake_form:builder")
    rows[at], rows[other_at] = rows[other_at], rows[at]
    with transaction.atomic():
        for position, row in enumerate(rows, start=1):
            if row.position != position:
                IntakeQuestion.objects.filter(pk=row.pk).update(position=position)
    return redirect("intake_form:builder")


@owner_required
def question_remove(request, question_id):
    question = get_for_practice(request, IntakeQuestion, public_id=question_id)
    dependants = list(question.shown_after.all())
    if request.method == "POST" and not dependants:
        question.delete()
        messages.success(
            request,
            f"Removed “{question.label}” from the draft. Forms already filled in keep it "
            "with their answers.",
        )
        return redirect("intake_form:builder")
    context = {"question": question, "dependants": dependants}
    return render(request, "clients/form_builder/remove.html", context)


@owner_required
def preview(request):
    """The draft as a client sees it on a phone: the whole form, nothing can be sent."""
    practice = request.practice
    version = IntakeFormVersion(
        practice=practice,
        number=0,
        questions=services.published_draft(practice),
        agreements=services.published_agreements(practice),
    )
    form = IntakeForm(practice=practice, version=version)
    form.helper.inputs = []  # nothing to send
    context = {"form": form, "practice": practice, "preview": True}
    return render(request, "clients/form_builder/preview.html", context)


@require_POST
@owner_required
def publish(request):
    current = IntakeFormVersion.current(request.practice)
    try:
        version = services.publish_form(request.practice, by=request.user)
    except IntegrityError:  # published from another page at the same moment
        messages.error(request, "Someone published the form just now. Look at it and try again.")
        return redirect("intake_form:builder")
    if version is None:
        messages.info(request, f"Version {current.number} already reads like the draft.")
        return redirect("intake_form:builder")
    messages.success(
        request,
        f"Published as version {version.number}. New forms ask these questions and "
        "agreements; forms already filled in keep the ones their clients read.",
    )
    return redirect("intake_form:builder")


@owner_required
def agreement_add(request):
    return agreement_form(request, Agreement(practice=request.practice))


@owner_required
def agreement_edit(request, agreement_id):
    agreement = get_for_practice(request, Agreement, public_id=agreement_id)
    return agreement_form(request, agreement)


def agreement_form(request, agreement):
    form = AgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        agreement = form.save(commit=False)
        if agreement.pk is None:
            last = Agreement.objects.filter(practice=request.practice).aggregate(n=Max("position"))
            agreement.position = (last["n"] or 0) + 1
        agreement.save()
        messages.success(request, f"Saved “{agreement.title}”. Publish to ask it on new forms.")
        return redirect("intake_form:builder")
    context = {"form": form, "agreement": agreement}
    return render(request, "clients/form_builder/agreement.html", context)


@owner_required
def agreement_remove(request, agreement_id):
    agreement = get_for_practice(request, Agreement, public_id=agreement_id)
    if agreement.is_treatment_consent:
        messages.error(request, "Every form asks for consent to treatment: change its words.")
        return redirect("intake_form:builder")
    if request.method == "POST":
        agreement.delete()
        messages.success(
            request,
            f"Removed “{agreement.title}” from the draft. Clients who signed it keep it on "
            "their record.",
        )
        return redirect("intake_form:builder")
    return render(request, "clients/form_builder/agreement_remove.html", {"agreement": agreement})
