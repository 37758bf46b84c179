import time

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from practice.models import Membership

from ..factories import MembershipFactory, UserFactory


@pytest.fixture
def staff_client(client, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    return client


def test_the_admin_lists_only_the_current_practices_members(
    staff_client, practice, owner, outsider
):
    colleague = MembershipFactory(practice=practice, role=Membership.Role.ASSISTANT).user

    response = staff_client.get(reverse("admin:practice_membership_changelist"))

    listed = {membership.user for membership in response.context["cl"].result_list}
    assert listed == {owner, colleague}
    assert str(outsider) not in response.content.decode()


def test_the_admin_searches_members_by_email(staff_client, practice):
    colleague = MembershipFactory(practice=practice, user__email="sam.helper@example.com").user

    response = staff_client.get(
        reverse("admin:practice_membership_changelist"), {"q": "sam.helper"}
    )

    assert list(response.context["cl"].result_list) == [colleague.memberships.get()]


def test_the_admin_lists_only_the_staff_members_practices(client, owner, practice, other_practice):
    owner.is_staff = True  # staff, not an operator
    owner.user_permissions.add(*Permission.objects.filter(codename__endswith="_practice"))
    owner.save()
    client.force_login(owner)

    response = client.get(reverse("admin:practice_practice_changelist"))

    assert list(response.context["cl"].result_list) == [practice]


@pytest.fixture
def operator(client, db):
    """A superuser who belongs to no practice: the person who runs the service."""
    person = UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
    client.force_login(person)
    return client


def test_the_operator_sees_every_practice_its_people_and_failed_jobs_but_no_client(
    operator, practice, other_practice, owner, outsider
):
    from followups.models import FollowUp

    from ..factories import ClientFactory, FollowUpFactory

    secret = ClientFactory(practice=practice, first_name="Confidential", private_notes="knee")
    FollowUpFactory(client=secret, status=FollowUp.Status.FAILED, body="Your knee")

    index = operator.get(reverse("admin:index")).content.decode()
    practices = operator.get(reverse("admin:practice_practice_changelist"))
    detail = operator.get(reverse("admin:practice_practice_change", args=[practice.pk]))
    people = operator.get(reverse("admin:practice_user_changelist"))

    assert "Practices" in index and "Users" in index and "Periodic tasks" in index
    assert "Clients" not in index and "Follow-ups" not in index and "Session notes" not in index
    listed = {
        p: (p.member_count, p.failed_message_count) for p in practices.context["cl"].result_list
    }
    assert listed == {practice: (1, 1), other_practice: (1, 0)}
    assert owner.email in detail.content.decode()
    assert not detail.context["has_change_permission"]  # the owner runs the practice
    assert {owner, outsider} <= set(people.context["cl"].result_list)
    for url in (
        reverse("admin:clients_client_changelist"),
        reverse("admin:clients_client_change", args=[secret.pk]),
        reverse("admin:followups_followup_changelist"),
    ):
        response = operator.get(url)
        assert response.status_code in (403, 404)
        assert "Confidential" not in response.content.decode()
        assert "knee" not in response.content.decode()


def test_the_operator_unlocks_a_person(operator, owner, settings):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username=owner.email, ip_address="10.0.0.1", failures_since_start=9, user_agent="x"
    )

    operator.post(
        reverse("admin:practice_user_changelist"),
        {"action": "unlock", "_selected_action": [owner.pk]},
    )

    assert not AccessAttempt.objects.filter(username=owner.email).exists()


def test_a_membership_added_in_the_admin_belongs_to_the_current_practice(
    staff_client, practice, owner
):
    colleague = MembershipFactory(practice=practice).user

    form = staff_client.get(reverse("admin:practice_membership_add")).context["adminform"].form
    assert set(form.fields["user"].queryset) == {owner, colleague}

    stranger = UserFactory()
    response = staff_client.post(
        reverse("admin:practice_membership_add"), {"user": stranger.pk, "role": "assistant"}
    )
    assert response.status_code == 200  # a user from outside the practice is not a choice
    assert not Membership.objects.filter(user=stranger).exists()


def test_a_staff_user_without_a_practice_sees_no_practice_data(client, practice, owner):
    loner = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(loner)

    index = client.get(reverse("admin:index"))
    listing = client.get(reverse("admin:practice_membership_changelist"))

    assert index.status_code == 200
    assert owner.email not in index.content.decode()
    assert listing.status_code == 403


def test_the_admin_sends_strangers_to_the_apps_sign_in(client):
    for path in (reverse("admin:index"), reverse("admin:login")):
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("login") + "?next=")
        assert "admin/login.html" not in [t.name for t in response.templates]


def test_the_admin_asks_for_the_code_like_the_rest_of_the_app(client, owner):
    from .test_two_factor import code_for, sign_in, turn_on

    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    device, _ = turn_on(client, owner)
    client.logout()

    sign_in(client, owner)  # the password alone
    blocked = client.get(reverse("admin:practice_membership_changelist"), follow=True)
    asked_at = blocked.redirect_chain[-1][0]
    assert asked_at.startswith(reverse("two_factor_verify") + "?next=")
    assert blocked.templates[0].name == "registration/two_factor_verify.html"

    with time_machine.travel(time.time() + 60):  # a code is good once: wait for the next one
        through = client.post(asked_at, {"code": code_for(device)}, follow=True)
    assert through.redirect_chain[-1][0] == reverse("admin:practice_membership_changelist")
    assert through.status_code == 200


def test_the_admin_obeys_a_practice_that_requires_two_step_sign_in(staff_client, practice):
    practice.require_two_factor = True
    practice.save()

    response = staff_client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_setup"))
