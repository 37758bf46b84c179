from django.urls import reverse

from ..factories import PASSWORD


def test_it_signs_in_with_the_email_in_any_case(client, owner):
    response = client.post(
        reverse("login"), {"username": owner.email.upper(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_password_is_refused_and_the_email_kept(client, owner):
    response = client.post(reverse("login"), {"username": owner.email, "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert f'value="{owner.email}"' in response.content.decode()


def test_pages_send_anonymous_visitors_to_sign_in(client, db):
    for name in ("dashboard", "practice:settings", "practice:switch_list", "practice:create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


def test_sign_out_ends_the_session(owner_client):
    response = owner_client.post(reverse("logout"))

    assert response.status_code == 302
    assert owner_client.get(reverse("dashboard")).status_code == 302


def test_home_sends_each_visitor_where_they_belong(client, owner):
    assert client.get("/").url == reverse("login")
    client.force_login(owner)
    assert client.get("/").url == reverse("dashboard")
