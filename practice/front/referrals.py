"""The referral network: the practice's list of trusted colleagues, on screen, on paper
(PDF) and by e-mail to someone the practice cannot take on."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practice import pdf
from practice.models import Practitioner
from practice.tenancy import get_for_practice, practice_required

from . import colleagues


class PractitionerForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Practitioner
        fields = (
            "name",
            "profession",
            "specialties",
            "clinic",
            "phone",
            "email",
            "website",
            "area",
            "accepting",
            "accepting_confirmed_on",
            "notes",
        )
        widgets = {
            "accepting_confirmed_on": forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea({"rows": 3}),
        }


class SendListForm(forms.Form):
    to = forms.EmailField(label="Send to")
    note = forms.CharField(
        label="Your message", max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )


NOBODY_TO_SEND = (
    "No colleague on your list is taking new clients, so the list would be empty. "
    "Add one, or mark one as taking new clients, then send it."
)


@practice_required
def referral_list(request, send_form=None):
    practitioners = Practitioner.objects.filter(practice=request.practice)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        practitioners = practitioners.filter(
            Q(name__icontains=query)
            | Q(clinic__icontains=query)
            | Q(area__icontains=query)
            | Q(specialties__icontains=query)
        )
    if profession := request.GET.get("profession"):
        practitioners = practitioners.filter(profession=profession)
    if specialty := request.GET.get("specialty", "").strip():
        practitioners = practitioners.filter(specialties__icontains=specialty)
    if request.GET.get("accepting"):
        practitioners = practitioners.filter(accepting=True)
    context = {
        "practitioners": practitioners.order_by("-accepting", "name"),
        "professions": Practitioner.Profession.choices,
        "send_form": send_form or SendListForm(),
        "accepting_count": Practitioner.taking_new_clients(request.practice).count(),
    }
    return render(request, "practice/referrals.html", context)


@practice_required
def practitioner_create(request):
    form = PractitionerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        practitioner = form.save(commit=False)
        practitioner.practice = request.practice
        practitioner.save()
        messages.success(request, f"{practitioner.name} added to your referral list.")
        return redirect("practice:referrals")
    return render(
        request, "practice/practitioner_form.html", {"form": form, "title": "Add a colleague"}
    )


@practice_required
def practitioner_edit(request, public_id):
    practitioner = get_for_practice(request, Practitioner, public_id=public_id)
    form = PractitionerForm(request.POST or None, instance=practitioner)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect("practice:referrals")
    context = {"form": form, "title": f"Edit {practitioner.name}"}
    return render(request, "practice/practitioner_form.html", context)


@practice_required
def referral_pdf(request):
    return pdf.response(colleagues.list_pdf(request.practice), "colleagues.pdf")


@require_POST
@practice_required
def referral_send(request):
    form = SendListForm(request.POST)
    if form.is_valid() and not Practitioner.taking_new_clients(request.practice).exists():
        form.add_error(None, NOBODY_TO_SEND)
    if not form.is_valid():  # the page again, with what was typed and why it did not go
        return referral_list(request, send_form=form)
    data = form.cleaned_data
    colleagues.send_list(request.practice, data["to"], data["note"])
    messages.success(request, f"The list of colleagues is on its way to {data['to']}.")
    return redirect("practice:referrals")
