from django.urls import reverse

from practice.models import Membership, Practice, User

from ..factories import UserFactory

URL = reverse("signup")


def form_data(**overrides):
    data = {
        "first_name": "Maya",
        "last_name": "Lind",
        "email": "Maya@Example.com",
        "password1": "a-long-Passphrase-42",
        "password2": "a-long-Passphrase-42",
        "practice_name": "Calm Hands Massage",
        "time_zone": "Europe/Dublin",
    }
    return data | overrides


def test_it_creates_the_account_practice_and_owner_membership(client, db):
    response = client.post(URL, form_data())

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    user = User.objects.get(email="maya@example.com")
    practice = Practice.objects.get()
    assert (practice.name, practice.slug, practice.time_zone) == (
        "Calm Hands Massage",
        "calm-hands-massage",
        "Europe/Dublin",
    )
    membership = Membership.objects.get(user=user)
    assert membership.practice == practice
    assert membership.role == Membership.Role.OWNER

    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert "Calm Hands Massage" in dashboard.content.decode()


def test_it_rejects_a_taken_email_next_to_the_field_and_keeps_the_input(client, db):
    UserFactory(email="maya@example.com")

    response = client.post(URL, form_data())

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["email"]
    assert "already exists" in form.errors["email"][0]
    html = response.content.decode()
    assert 'value="Calm Hands Massage"' in html
    assert 'value="Maya"' in html
    assert Practice.objects.count() == 0


def test_it_rejects_a_weak_password(client, db):
    response = client.post(URL, form_data(password1="12345678", password2="12345678"))

    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()


def test_two_practices_with_one_name_get_different_slugs(client, db):
    client.post(URL, form_data())
    client.logout()
    client.post(URL, form_data(email="other@example.com"))

    assert sorted(Practice.objects.values_list("slug", flat=True)) == [
        "calm-hands-massage",
        "calm-hands-massage-2",
    ]


def test_a_signed_in_user_is_sent_to_the_dashboard(owner_client):
    assert owner_client.get(URL).url == reverse("dashboard")
