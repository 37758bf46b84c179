"""Settings → People: an owner invites her assistant by e-mail, changes roles, removes a
member; the invited person joins from the link; the last owner stays; every change is in
the audit trail; an assistant is refused every owner-only page."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from followups import dispatch
from followups.models import FollowUp, Kind
from practice.models import AuditEvent, Invitation, Membership, User

from .. import sweep
from ..factories import PASSWORD, MembershipFactory

Role = Membership.Role


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


def invite(owner_client, email="sam@example.com", role="assistant"):
    return owner_client.post(reverse("practice:invite"), {"email": email, "role": role})


def invitation_link():
    """Send what is due, as the worker does, and read the link in the e-mail as sent."""
    dispatch.dispatch()
    assert mail.outbox, list(FollowUp.objects.values_list("status", "skip_reason", "last_error"))
    message = mail.outbox[-1]
    [path] = re.findall(r"http://testserver(/accounts/invitation/\S+/)", message.body)
    return message, path


def test_an_owner_invites_her_assistant_who_joins_from_the_e_mail(owner_client, owner, practice):
    response = invite(owner_client)
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="sam@example.com")
    assert FollowUp.objects.get(invitation=invitation).kind == Kind.INVITATION
    page = owner_client.get(reverse("practice:members")).content.decode()
    assert "sam@example.com" in page and "Sending" in page

    message, path = invitation_link()
    assert message.to == ["sam@example.com"]
    assert practice.name in message.subject
    assert "&amp;" not in message.body and "as an assistant" in message.body
    invitation.refresh_from_db()
    assert len(invitation.token_hash) == 64 and invitation.token_hash not in message.body
    assert "Sent" in owner_client.get(reverse("practice:members")).content.decode()

    sam = Client()
    form = sam.get(path)
    assert form.status_code == 200 and "Join" in form.content.decode()
    joined = sam.post(
        path,
        {
            "first_name": "Sam",
            "last_name": "Rivera",
            "password1": "a long pass phrase 2026",
            "password2": "a long pass phrase 2026",
        },
    )
    assert joined.status_code == 302 and joined["Location"] == reverse("dashboard")
    user = User.objects.get(email="sam@example.com")
    assert Membership.objects.get(practice=practice, user=user).role == Role.ASSISTANT
    assert sam.get(reverse("dashboard")).status_code == 200
    assert Client().get(path).status_code == 404  # it works once
    actions = set(AuditEvent.objects.filter(practice=practice).values_list("what", flat=True))
    assert {"invited sam@example.com as assistant", "joined as assistant"} <= actions


def test_someone_with_an_account_elsewhere_signs_in_then_joins(
    owner_client, practice, other_practice
):
    elsewhere = MembershipFactory(practice=other_practice, role=Role.OWNER).user
    invite(owner_client, email=elsewhere.email.upper())
    _, path = invitation_link()

    anonymous = Client()
    response = anonymous.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"

    anonymous.post(reverse("login"), {"username": elsewhere.email, "password": PASSWORD})
    assert "Join" in anonymous.get(path).content.decode()
    assert anonymous.post(path).status_code == 302
    roles = dict(Membership.objects.filter(user=elsewhere).values_list("practice", "role"))
    assert roles == {other_practice.pk: Role.OWNER, practice.pk: Role.ASSISTANT}


def test_signed_in_as_someone_else_the_link_says_so(owner_client, practice):
    invite(owner_client)
    _, path = invitation_link()

    page = owner_client.get(path).content.decode()

    assert "Sign out, then open the link again" in page
    assert owner_client.post(path).status_code == 200
    assert not User.objects.filter(email="sam@example.com").exists()


def test_a_practice_asking_for_two_step_sign_in_sends_the_new_member_to_set_it_up(
    owner_client, practice
):
    invite(owner_client)
    _, path = invitation_link()
    practice.require_two_factor = True
    practice.save()
    sam, password = Client(), "a long pass phrase 2026"
    sam.post(
        path,
        {"first_name": "Sam", "last_name": "Rivera", "password1": password, "password2": password},
    )

    response = sam.get(reverse("clients:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_a_withdrawn_or_expired_invitation_does_not_work(owner_client, practice):
    invite(owner_client)
    _, path = invitation_link()
    invitation = Invitation.objects.get()
    owner_client.post(reverse("practice:invitation_withdraw", args=[invitation.public_id]))
    assert Client().get(path).status_code == 404

    invite(owner_client, email="kim@example.com")
    _, later = invitation_link()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        assert Client().get(later).status_code == 404


def test_an_invitation_withdrawn_before_it_went_is_never_sent(owner_client, practice):
    invite(owner_client)
    invitation = Invitation.objects.get()
    owner_client.post(reverse("practice:invitation_withdraw", args=[invitation.public_id]))

    dispatch.dispatch()

    assert mail.outbox == []
    assert FollowUp.objects.get(invitation=invitation).status == FollowUp.Status.CANCELLED


def test_an_invitation_that_could_not_be_sent_shows_and_is_sent_again(
    owner_client, practice, settings
):
    settings.EMAIL_BACKEND = "tests.followups.test_dispatch.FlakyBackend"
    from ..followups.test_dispatch import FlakyBackend

    FlakyBackend.fail, FlakyBackend.permanent = 1, True
    invite(owner_client)
    dispatch.dispatch()
    page = owner_client.get(reverse("practice:members")).content.decode()
    assert "Not sent" in page and "Send again" in page

    message = FollowUp.objects.get(kind=Kind.INVITATION)
    owner_client.post(reverse("followups:retry", args=[message.public_id]))
    dispatch.dispatch()
    message.refresh_from_db()
    assert message.status == FollowUp.Status.SENT


def test_inviting_a_member_again_is_refused_next_to_the_field(owner_client, owner):
    response = invite(owner_client, email=owner.email)
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert owner.email in response.content.decode()  # what was typed stays


def test_roles_change_and_the_last_owner_stays(owner_client, owner, assistant, practice):
    mine = Membership.objects.get(user=owner)
    theirs = Membership.objects.get(user=assistant)

    owner_client.post(reverse("practice:member_role", args=[mine.public_id]), {"role": "assistant"})
    owner_client.post(reverse("practice:member_remove", args=[mine.public_id]))
    mine.refresh_from_db()
    assert mine.role == Role.OWNER  # the only owner can be neither demoted nor removed
    unknown = owner_client.post(
        reverse("practice:member_role", args=[theirs.public_id]), {"role": "king"}
    )
    theirs.refresh_from_db()
    assert unknown.status_code == 302 and theirs.role == Role.ASSISTANT

    owner_client.post(reverse("practice:member_role", args=[theirs.public_id]), {"role": "owner"})
    theirs.refresh_from_db()
    assert theirs.role == Role.OWNER
    owner_client.post(reverse("practice:member_role", args=[mine.public_id]), {"role": "assistant"})
    mine.refresh_from_db()
    assert mine.role == Role.ASSISTANT  # now there is another owner
    # Demoted, she is an assistant now: the People page is no longer hers.
    again = owner_client.post(
        reverse("practice:member_role", args=[theirs.public_id]), {"role": "assistant"}
    )
    assert again.status_code == 403
    assert AuditEvent.objects.filter(what=f"made {assistant.email} owner").exists()


def test_a_removed_member_loses_access_at_once_and_keeps_their_history(
    owner_client, assistant, practice
):
    theirs = Client()
    theirs.force_login(assistant)
    assert theirs.get(reverse("clients:list")).status_code == 200
    AuditEvent.objects.create(practice=practice, user=assistant, action="view", what="a record")
    membership = Membership.objects.get(user=assistant)

    owner_client.post(reverse("practice:member_remove", args=[membership.public_id]))

    assert not Membership.objects.filter(user=assistant).exists()
    assert theirs.get(reverse("clients:list")).status_code == 302  # signed out: to sign in
    assert AuditEvent.objects.filter(user=assistant, what="a record").exists()
    assert AuditEvent.objects.filter(what=f"removed {assistant.email}").exists()


def owner_only_urls(practice, cases=None):
    """Every URL whose view is owner-only, with the sweep's objects for its arguments."""
    cases = cases if cases is not None else sweep.build_cases(practice).cases
    cases = {case.name: case.url for case in cases}

    def patterns(resolvers, namespace=None):
        for entry in resolvers:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace])) or None
                yield from patterns(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and getattr(entry.callback, "owner_only", False):
                yield ":".join(filter(None, [namespace, entry.name]))

    for name in patterns(get_resolver().url_patterns):
        yield name, cases.get(name) or reverse(name, kwargs=KWARGS.get(name))


# Owner-only URLs whose argument is not an object of the practice (see sweep.py).
KWARGS = {"followups:rule": {"kind": "checkin"}}


def test_an_assistant_is_refused_every_owner_only_page(assistant, practice):
    urls = dict(owner_only_urls(practice))
    assert len(urls) >= 15
    expected = {"practice:members", "practice:invite", "clients:export", "complaints:incident_sign"}
    assert expected <= set(urls)
    browser = Client()
    browser.force_login(assistant)

    allowed = {name: sweep.fetch(browser, url).status_code for name, url in urls.items()}

    assert {name: status for name, status in allowed.items() if status != 403} == {}


# Pages without an id that an assistant uses every day.
EVERYDAY_PAGES = [
    "dashboard",
    "clients:list",
    "clients:create",
    "sessions:day",
    "sessions:week",
    "complaints:list",
    "complaints:incident_create",
    "followups:list",
    "practice:referrals",
]


def test_an_assistant_is_shown_no_link_or_button_to_an_owner_only_page(assistant, practice):
    """Every link and form on every page an assistant can open leads somewhere they may go:
    an "Export record" button that answers 403 is a broken promise."""
    pages = [reverse(name) for name in EVERYDAY_PAGES]
    pages += [
        case.url for case in sweep.build_cases(practice).cases if not case.name.startswith("admin:")
    ]
    browser = Client()
    browser.force_login(assistant)

    seen, offered = 0, {}
    for page in pages:
        response = browser.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        for target in re.findall(r'(?:href|action)="(/[^"#?]*)', response.content.decode()):
            try:
                view = resolve(target).func
            except Resolver404:
                continue
            if getattr(view, "owner_only", False):
                offered.setdefault(target, page)

    assert seen >= 15
    assert offered == {}
