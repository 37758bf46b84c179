from django.urls import reverse

from practice.models import Membership, Practice

from ..factories import MembershipFactory, UserFactory


def test_a_member_of_two_practices_switches_between_them(owner_client, owner, practice):
    second = MembershipFactory(user=owner, practice__name="Weekend Clinic").practice

    page = owner_client.get(reverse("practice:switch_list"))
    assert "Weekend Clinic" in page.content.decode()

    response = owner_client.post(reverse("practice:switch", args=[second.public_id]))
    assert response.url == reverse("dashboard")
    assert owner_client.get(reverse("dashboard")).context["request"].practice == second

    owner_client.post(reverse("practice:switch", args=[practice.public_id]))
    assert owner_client.get(reverse("dashboard")).context["request"].practice == practice


def test_switching_to_a_practice_you_are_not_in_is_not_found(owner_client, other_practice):
    response = owner_client.post(reverse("practice:switch", args=[other_practice.public_id]))
    assert response.status_code == 404


def test_an_account_without_a_practice_is_asked_to_create_one(client, db):
    user = UserFactory()
    client.force_login(user)

    assert client.get(reverse("dashboard")).url == reverse("practice:create")

    response = client.post(
        reverse("practice:create"),
        {"name": "Fresh Start", "time_zone": "Europe/Paris", "currency": "EUR"},
    )

    assert response.url == reverse("practice:settings")
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert membership.practice.currency == "EUR"
    assert client.get(reverse("dashboard")).status_code == 200


def test_creating_a_second_practice_makes_it_current(owner_client, owner):
    owner_client.post(
        reverse("practice:create"),
        {"name": "Second Room", "time_zone": "Europe/London", "currency": "GBP"},
    )

    current = owner_client.get(reverse("dashboard")).context["request"].practice
    assert current == Practice.objects.get(name="Second Room")
    assert Membership.objects.filter(user=owner).count() == 2
