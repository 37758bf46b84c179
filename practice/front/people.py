"""Settings → People: invite someone with a role, change a member's role, remove a member,
and the invitation's own page where the invited person joins.

The invitation e-mail goes through the follow-up outbox (a row with a status, retries, and
"Failed" with "Send again" on this page). Every change is an audit event. A practice always
keeps at least one owner."""

import datetime

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scope, scopes_disabled

from clients.models import hash_token
from followups import planning
from followups.kinds import key_for
from followups.models import FollowUp, Kind
from practice import audit
from practice.forms import submit_helper
from practice.models import Invitation, Membership, User
from practice.tenancy import get_for_practice, owner_required, switch_practice
from sessions.calendar import revoke_feeds

INVITATION_DAYS = 7
Role = Membership.Role


class LastOwner(Exception):
    """The practice would be left without an owner."""

    message = "A practice needs an owner: make someone else owner first."


# --- What happens ---------------------------------------------------------------------


@transaction.atomic
def invite(practice, email, role, by):
    """Plan the invitation e-mail; an earlier open invitation to the same address is
    withdrawn (its link stops working)."""
    now = timezone.now()
    Invitation.objects.filter(
        practice=practice, email__iexact=email, accepted_at=None, withdrawn_at=None
    ).update(withdrawn_at=now)
    invitation = Invitation.objects.create(
        practice=practice,
        email=email,
        role=role,
        invited_by=by,
        expires_at=now + datetime.timedelta(days=INVITATION_DAYS),
    )
    planning.plan(
        practice,
        Kind.INVITATION,
        key=key_for(Kind.INVITATION, invitation=invitation.public_id),
        due_at=now,
        expires_at=invitation.expires_at,
        invitation=invitation,
    )
    return invitation


def withdraw(invitation):
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(
        withdrawn_at=timezone.now()
    )
    FollowUp.objects.filter(invitation=invitation, status=FollowUp.Status.SCHEDULED).update(
        status=FollowUp.Status.CANCELLED, skip_reason="the invitation was withdrawn"
    )


@transaction.atomic
def accept(invitation, user):
    """Make `user` a member with the invited role; the link works this once."""
    taken = Invitation.objects.filter(
        pk=invitation.pk, accepted_at=None, withdrawn_at=None, expires_at__gt=timezone.now()
    ).update(accepted_at=timezone.now(), accepted_by=user, token_hash="")
    if not taken:
        raise Http404("This invitation has been used or withdrawn.")
    membership, _ = Membership.objects.get_or_create(
        practice=invitation.practice, user=user, defaults={"role": invitation.role}
    )
    return membership


def owners_left(practice, without):
    return (
        Membership.objects.filter(practice=practice, role=Role.OWNER)
        .exclude(pk=without.pk)
        .exists()
    )


def change_role(membership, role):
    if (
        membership.is_owner
        and role != Role.OWNER
        and not owners_left(membership.practice, membership)
    ):
        raise LastOwner
    membership.role = role
    membership.save(update_fields=["role"])


@transaction.atomic
def remove(membership):
    """Take a member out of the practice at once. Their audit history stays (it names the
    person, not the membership). Someone left with no practice is signed out everywhere;
    someone in other practices too keeps those, and lands in one of them next time."""
    if membership.is_owner and not owners_left(membership.practice, membership):
        raise LastOwner
    user = membership.user
    revoke_feeds(membership.practice, user)  # her phone calendar stops showing our sessions
    membership.delete()
    with scopes_disabled():
        if not Membership.objects.filter(user=user).exists():
            end_sign_ins(user)


def end_sign_ins(user):
    for session in Session.objects.filter(expire_date__gt=timezone.now()):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


# --- Pages ----------------------------------------------------------------------------


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ASSISTANT)

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.helper = submit_helper("Send the invitation")
        self.helper.form_action = reverse("practice:invite")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(practice=self.practice, user__email__iexact=email).exists():
            raise forms.ValidationError("This person is already a member of the practice.")
        return email


@owner_required
def members(request):
    """The practice's people and open invitations, and whether repeated wrong passwords
    have locked anyone out."""
    return render(request, "practice/members.html", people_context(request))


@require_POST
@owner_required
def unlock(request, public_id):
    membership = member(request, public_id)
    axes_reset(username=membership.user.email)
    messages.success(request, f"{membership.user} can sign in again.")
    return redirect("practice:members")


def member(request, public_id):
    return get_for_practice(request, Membership.objects.select_related("user"), public_id=public_id)


def people_context(request, invite_form=None):
    memberships = list(
        Membership.objects.filter(practice=request.practice)
        .select_related("user")
        .order_by("-role", "user__last_name", "user__first_name", "pk")
    )
    locked = set(
        AccessAttempt.objects.filter(
            username__in=[m.user.email for m in memberships],
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        ).values_list("username", flat=True)
    )
    owners = sum(m.is_owner for m in memberships)
    for membership in memberships:
        membership.locked = membership.user.email in locked
        membership.last_owner = membership.is_owner and owners == 1
    invitations = list(
        Invitation.objects.filter(practice=request.practice, accepted_at=None, withdrawn_at=None)
        .prefetch_related("followups")
        .order_by("-created_at")
    )
    for invitation in invitations:
        invitation.message = next(iter(invitation.followups.all()), None)
    return {
        "members": memberships,
        "invitations": invitations,
        "invite_form": invite_form or InviteForm(practice=request.practice),
        "roles": Role.choices,
    }


@require_POST
@owner_required
def invite_view(request):
    form = InviteForm(request.POST, practice=request.practice)
    if not form.is_valid():
        return render(request, "practice/members.html", people_context(request, form), status=400)
    invitation = invite(
        request.practice, form.cleaned_data["email"], form.cleaned_data["role"], request.user
    )
    audit.record(request, audit.Action.CHANGE, f"invited {invitation.email} as {invitation.role}")
    messages.success(request, f"The invitation to {invitation.email} is on its way.")
    return redirect("practice:members")


@require_POST
@owner_required
def invitation_withdraw(request, public_id):
    invitation = get_for_practice(request, Invitation, public_id=public_id)
    withdraw(invitation)
    audit.record(request, audit.Action.CHANGE, f"withdrew the invitation to {invitation.email}")
    messages.success(request, f"The invitation to {invitation.email} no longer works.")
    return redirect("practice:members")


@require_POST
@owner_required
def member_role(request, public_id):
    membership = member(request, public_id)
    role = request.POST.get("role", "")
    if role not in Role.values:
        messages.error(request, "Choose owner or assistant.")
        return redirect("practice:members")
    try:
        change_role(membership, role)
    except LastOwner:
        messages.error(request, LastOwner.message)
        return redirect("practice:members")
    audit.record(request, audit.Action.CHANGE, f"made {membership.user.email} {role}")
    messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
    return redirect("practice:members")


@owner_required
def member_remove(request, public_id):
    """Ask first (a page of its own, which works under the CSP and without JavaScript),
    then remove on the confirming post."""
    membership = member(request, public_id)
    if request.method != "POST":
        context = {"membership": membership, "is_self": membership.user == request.user}
        return render(request, "practice/member_remove.html", context)
    try:
        remove(membership)
    except LastOwner:
        messages.error(request, LastOwner.message)
        return redirect("practice:members")
    audit.record(request, audit.Action.CHANGE, f"removed {membership.user.email}")
    messages.success(request, f"{membership.user} no longer has access to the practice.")
    if membership.user == request.user:
        return redirect("dashboard")
    return redirect("practice:members")


class NewMemberForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name")

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.email = email
        for name in ("first_name", "last_name"):
            self.fields[name].required = True
        self.helper = submit_helper("Join the practice")


def invitation_page(request, token):
    """The invited person's page: join with a new account, or with the one they have."""
    with scopes_disabled():
        invitation = (
            Invitation.objects.filter(token_hash=hash_token(token))
            .select_related("practice", "invited_by")
            .first()
        )
    if invitation is None or not token or not invitation.is_open:
        raise Http404("This invitation has been used, withdrawn or has run out.")
    with scopes_disabled():
        account = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "practice": invitation.practice}
    if request.user.is_authenticated:
        if request.user != account:
            return render(request, "practice/invitation.html", {**context, "other": True})
        if request.method == "POST":
            return joined(request, invitation, request.user)
        return render(request, "practice/invitation.html", context)
    if account is not None:  # they work elsewhere too: sign in, then come back here
        messages.info(request, f"Sign in as {account.email} to join {invitation.practice}.")
        return redirect(f"{reverse('login')}?next={request.path}")
    form = NewMemberForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return joined(request, invitation, user)
    return render(request, "practice/invitation.html", {**context, "form": form})


def joined(request, invitation, user):
    with scope(practice=invitation.practice):
        membership = accept(invitation, user)
        switch_practice(request, membership)
        request.practice = invitation.practice
        audit.record(request, audit.Action.CHANGE, f"joined as {membership.role}")
    messages.success(request, f"Welcome to {invitation.practice}.")
    return redirect("dashboard")  # two-step sign-in first, where the practice asks for it
