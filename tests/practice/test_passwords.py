import re

from django.core import mail
from django.urls import reverse

from ..factories import PASSWORD


def test_password_reset_sends_a_link_that_sets_a_new_password(client, owner):
    response = client.post(reverse("password_reset"), {"email": owner.email.upper()})
    assert response.status_code == 302

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert message.subject.startswith("Choose a new password")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body).group(1)
    assert link in html

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new_password = "a-brand-new-Passphrase-7"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302

    owner.refresh_from_db()
    assert owner.check_password(new_password)


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_change_keeps_the_user_signed_in(owner_client, owner):
    new_password = "another-long-Passphrase-9"
    response = owner_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(new_password)
    assert owner_client.get(reverse("dashboard")).status_code == 200
