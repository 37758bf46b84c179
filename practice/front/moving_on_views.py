"""Pages for referring a client and moving a client on."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clients.forms import MoveOnForm, ReferForm
from clients.models import MoveMethod, MoveReason
from clients.views import current_client
from practice.tenancy import get_for_practice, owner_required, practice_required

from . import moving_on


@practice_required
def move_on(request, public_id):
    """Choose why and how, see the drafted message, edit it, send it."""
    client = current_client(request, public_id)
    form = MoveOnForm(request.POST or None, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        practitioners = list(data["practitioners"])
        if request.POST.get("action") == "send" and data["message"].strip():
            record = moving_on.move_client_on(
                client,
                reason=data["reason"],
                method=data["method"],
                practitioners=practitioners,
                message=data["message"],
                by=request.user,
            )
            channel = record.followup.get_channel_display().lower() if record.followup else ""
            messages.success(
                request, f"{client.first_name} is moved on. The message goes out by {channel}."
            )
            return redirect("clients:detail", client.public_id)
        draft = moving_on.draft_message(client, data["reason"], data["method"], practitioners)
        form = MoveOnForm(
            initial={**data, "practitioners": practitioners, "message": draft},
            practice=request.practice,
        )
        return render(
            request, "clients/move_on.html", {"client": client, "form": form, "drafted": True}
        )
    return render(request, "clients/move_on.html", {"client": client, "form": form})


@owner_required
def move_on_wording(request):
    """The practice's wording for each reason and way of moving a client on."""
    rows = []
    for reason, reason_label in MoveReason.choices:
        for method, method_label in MoveMethod.choices:
            name = f"wording-{reason}-{method}"
            current = moving_on.wording(request.practice, reason, method)
            rows.append(
                {
                    "name": name,
                    "reason": reason_label,
                    "method": method_label,
                    "text": request.POST.get(name, current)[:4000],
                    "key": (reason, method),
                }
            )
    if request.method == "POST":
        for row in rows:
            moving_on.save_wording(request.practice, *row["key"], row["text"])
        messages.success(request, "Wording saved.")
        return redirect("moving_on:wording")
    return render(request, "clients/move_on_wording.html", {"rows": rows})


@require_POST
@practice_required
def move_on_undo(request, public_id, move_id):
    client = current_client(request, public_id)
    record = get_for_practice(request, client.move_ons.filter(undone_at=None), public_id=move_id)
    moving_on.undo_move_on(record)
    messages.success(request, f"{client.first_name} is an active client again.")
    return redirect("clients:detail", client.public_id)


@practice_required
def refer(request, public_id):
    """Refer a client to colleagues while continuing to see them."""
    client = current_client(request, public_id)
    form = ReferForm(request.POST or None, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        for practitioner in form.cleaned_data["practitioners"]:
            moving_on.refer(
                client, practitioner, reason=form.cleaned_data["reason"], by=request.user
            )
        messages.success(request, "Referral recorded.")
        return redirect("clients:detail", client.public_id)
    title = f"Refer {client.first_name} to a colleague"
    return render(request, "clients/form.html", {"form": form, "client": client, "title": title})
