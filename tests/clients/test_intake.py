import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import Agreement, Client, ConsentEvent, IntakeSubmission

from ..factories import ClientFactory, IntakeLinkFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def intake_data(**overrides):
    data = {
        "first_name": "Robin",
        "last_name": "Hale",
        "email": "robin@example.com",
        "mobile": "07911 123456",
        "emergency_contact_name": "Sam Hale",
        "emergency_contact_phone": "07400 123456",
        "preferred_channel": "sms",
        "sms_consent": "on",
        "conditions": ["pregnancy", "blood_clots"],
        "condition_details": "22 weeks",
        "allergies": "Nut oils",
        "pain_area_1": "Lower back",
        "pain_level_1": "6",
        "agree_cancellations": "on",
        "agree_treatment": "on",
        "signed_name": "Robin Hale",
        "nonce": "nonce-1",
    }
    return data | overrides


@pytest.fixture
def link_and_token(practice):
    return IntakeLinkFactory.with_token(practice)


def link_url(token):
    return reverse("intake:link", args=[token])


def test_a_client_fills_in_the_form_through_their_link(client, link_and_token):
    link, token = link_and_token

    response = client.post(link_url(token), intake_data(), HTTP_USER_AGENT="PhoneBrowser/1")

    assert response.status_code == 302
    assert response.url == reverse("intake:thanks", args=[link.practice.slug])
    record = Client.objects.get(pk=link.client.pk)
    assert (record.first_name, record.mobile) == ("Robin", "+447911123456")
    assert record.emergency_contact_phone == "+447400123456"
    assert record.red_flags == ["blood_clots", "pregnancy"]
    assert record.has_red_flags
    assert record.allergies == "Nut oils"
    assert record.intake_completed_at is not None
    assert record.sms_consent and not record.email_consent
    submission = IntakeSubmission.objects.get(client=record)
    assert submission.version == 1
    assert submission.signed_name == "Robin Hale"
    assert submission.ip_address == "127.0.0.1"
    assert submission.user_agent == "PhoneBrowser/1"
    assert submission.answers["pain_level_1"] == 6
    given = ConsentEvent.objects.get(client=record, channel="sms")
    assert given.given and given.how == "intake form v1"


def test_the_form_is_prefilled_for_the_client_who_has_the_link(client, link_and_token):
    link, token = link_and_token

    html = client.get(link_url(token)).content.decode()

    assert f'value="{link.client.first_name}"' in html
    assert "<title>New client form · Calm Hands</title>" in html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mobile": "12"}, "mobile"),
        ({"emergency_contact_name": ""}, "emergency_contact_name"),
        ({"pain_level_1": "11"}, "pain_level_1"),
        ({"pain_level_1": ""}, "pain_level_1"),
        ({"preferred_channel": "letter"}, "address"),
        ({"email": "", "mobile": "", "preferred_channel": "phone"}, "email"),
        ({"signed_name": ""}, "signed_name"),
        ({"agree_cancellations": ""}, "agree_cancellations"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"first_name": "x" * 81}, "first_name"),
    ],
)
def test_bad_answers_are_marked_and_everything_typed_is_kept(client, link_and_token, change, field):
    _, token = link_and_token

    response = client.post(link_url(token), intake_data(**change))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert (
        f'id="error_1_id_{field}"' in html
        or f"id_{field}_error" in html
        or "invalid-feedback" in html
    )
    assert "22 weeks" in html
    assert 'value="Lower back"' in html
    assert not IntakeSubmission.objects.exists()


def test_sending_the_same_form_twice_makes_one_version(client, link_and_token):
    _, token = link_and_token

    client.post(link_url(token), intake_data())
    client.post(link_url(token), intake_data())

    assert IntakeSubmission.objects.count() == 1


def test_a_second_form_makes_a_second_version_and_shows_what_changed(
    owner_client, practice, link_and_token
):
    link, token = link_and_token
    owner_client.post(link_url(token), intake_data())
    owner_client.post(link_url(token), intake_data(nonce="nonce-2", conditions=["pregnancy"]))

    latest = IntakeSubmission.objects.get(version=2)
    page = owner_client.get(
        reverse("clients:submission", args=[link.client.public_id, latest.public_id])
    )

    assert page.context["changes"] == [
        (
            "Conditions",
            "Pregnant, Blood clots (DVT) now or in the past",
            "Pregnant",
        )
    ]
    assert Client.objects.get(pk=link.client.pk).red_flags == ["pregnancy"]


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_a_dead_link_shows_the_same_not_found_page(client, practice, state):
    link, token = IntakeLinkFactory.with_token(practice)
    if state == "expired":
        link.expires_at = timezone.now() - timezone.timedelta(seconds=1)
        link.save()
    elif state == "revoked":
        link.revoke()
    else:
        token = token[:-3] + "abc"

    get = client.get(link_url(token))
    post = client.post(link_url(token), intake_data())

    assert (get.status_code, post.status_code) == (404, 404)
    assert link.client.first_name not in get.content.decode()
    assert not IntakeSubmission.objects.exists()


def test_creating_a_new_link_revokes_the_old_one(owner_client, practice):
    record = ClientFactory(practice=practice)
    old, _ = IntakeLinkFactory.with_token(practice)
    old.client = record
    old.save()

    response = owner_client.post(
        reverse("clients:link_create", args=[record.public_id]), follow=True
    )

    url = response.context["url"]
    again = owner_client.get(reverse("clients:link_show", args=[record.public_id]), follow=True)
    assert "shown only once" in again.content.decode()
    old.refresh_from_db()
    assert old.state == "revoked"
    assert owner_client.get(url).status_code == 200


def test_the_public_form_creates_a_prospect(client, practice):
    response = client.post(reverse("intake:public", args=[practice.slug]), intake_data())

    assert response.status_code == 302
    record = Client.objects.get()
    assert record.practice == practice
    assert record.status == Client.Status.PROSPECT
    assert record.has_red_flags


def test_the_public_form_never_overwrites_a_matching_client(client, practice, owner_client):
    existing = ClientFactory(practice=practice, first_name="Robyn", email="ROBIN@example.com")

    client.post(reverse("intake:public", args=[practice.slug]), intake_data())

    existing.refresh_from_db()
    assert Client.objects.count() == 1
    assert existing.first_name == "Robyn"
    submission = IntakeSubmission.objects.get()
    assert submission.client == existing and submission.needs_review

    owner_client.post(
        reverse("clients:submission_review", args=[existing.public_id, submission.public_id]),
        {"decision": "apply"},
    )
    existing.refresh_from_db()
    assert existing.first_name == "Robin"


def test_the_public_form_of_another_practice_does_not_match_its_clients(
    client, practice, other_practice
):
    ClientFactory(practice=other_practice, email="robin@example.com")

    client.post(reverse("intake:public", args=[practice.slug]), intake_data())

    assert Client.objects.filter(practice=practice).count() == 1
    assert not IntakeSubmission.objects.filter(needs_review=True).exists()


def test_a_full_practice_says_so_instead_of_showing_the_form(client, practice):
    practice.is_full = True
    practice.save()

    response = client.get(reverse("intake:public", args=[practice.slug]))

    assert "not taking new clients" in response.content.decode()
    assert "form" not in response.context or response.context.get("form") is None


def test_a_filled_in_honeypot_saves_nothing(client, practice):
    response = client.post(
        reverse("intake:public", args=[practice.slug]), intake_data(website="http://spam")
    )

    assert response.status_code == 302
    assert not Client.objects.exists()


def test_too_many_forms_from_one_address_get_a_try_later_page(
    client, practice, settings, frozen_clock
):
    settings.INTAKE_FORM_RATE = "2/m"
    url = reverse("intake:public", args=[practice.slug])

    statuses = [client.post(url, intake_data(nonce=f"n{i}")).status_code for i in range(3)]

    assert statuses == [302, 302, 429]
    assert "try again later" in client.post(url, intake_data()).content.decode().lower()
    frozen_clock.shift(60)  # the next minute's window
    assert client.post(url, intake_data(nonce="n-later")).status_code == 302


def test_a_link_only_ever_changes_its_own_practices_client(client, practice, other_practice):
    link, token = IntakeLinkFactory.with_token(practice)
    theirs = ClientFactory(practice=other_practice, email="robin@example.com", first_name="Kept")

    client.post(link_url(token), intake_data())

    theirs.refresh_from_db()
    assert theirs.first_name == "Kept"
    assert not IntakeSubmission.objects.filter(practice=other_practice).exists()
    assert IntakeSubmission.objects.get().client == link.client


def test_every_answer_on_the_client_page_has_its_label(client, owner_client, link_and_token):
    link, token = link_and_token
    client.post(link_url(token), intake_data(medications="Ibuprofen"))

    page = owner_client.get(reverse("clients:detail", args=[link.client.public_id]))

    rows = {label: text for _, label, text in page.context["answers"]}
    assert rows["Medications"] == "Ibuprofen"
    assert rows["Allergies"] == "Nut oils"
    assert "None" not in rows


def test_the_blank_public_form_is_drawn_once_and_every_visitor_gets_a_nonce_of_their_own(
    client, practice, other_practice, monkeypatch
):
    import re

    from crispy_forms.templatetags import crispy_forms_tags

    drawn = []
    render = crispy_forms_tags.CrispyFormNode.render
    monkeypatch.setattr(
        crispy_forms_tags.CrispyFormNode,
        "render",
        lambda node, context: drawn.append(1) or render(node, context),
    )
    url = reverse("intake:public", args=[practice.slug])
    cancellations = Agreement.objects.get(practice=practice, key="cancellations")

    def publish(words):
        cancellations.body = words
        cancellations.save()
        services.publish_form(practice, by=None)

    publish("Two days' notice, please.")
    pages = [client.get(url).content.decode() for _ in range(3)]
    nonces = {re.search(r'name="nonce" value="([^"]+)"', page).group(1) for page in pages}
    assert len(drawn) == 1 and len(nonces) == 3
    assert all("Two days&#x27; notice, please." in page for page in pages)

    publish("A day's notice is enough.")  # the owner rewrites it and publishes
    assert "A day&#x27;s notice is enough." in client.get(url).content.decode()
    assert len(drawn) == 2
    other = client.get(reverse("intake:public", args=[other_practice.slug])).content.decode()
    assert "A day&#x27;s notice" not in other and len(drawn) == 3  # a practice of its own

    # Sent back with a mistake: drawn for this visitor, with what they typed.
    sent_back = client.post(url, intake_data(signed_name="", last_name="Typed-In")).content
    assert b"Typed-In" in sent_back and len(drawn) == 4


def test_a_form_filled_in_from_the_clients_record_is_never_shared(client, link_and_token):
    link, token = link_and_token
    first = client.get(link_url(token)).content.decode()
    again = client.get(link_url(token)).content.decode()
    assert link.client.first_name in first and link.client.first_name in again
