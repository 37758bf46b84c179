"""What clients sign: the practice's own consent and policies, published with the form,
signed on the phone, kept word for word."""

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse

from clients import agreements, answers
from clients.models import Agreement, IntakeFormVersion, IntakeSubmission

from ..factories import AppointmentFactory, PracticeFactory
from .test_intake import intake_data


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def phone():
    return Browser()


def save_agreement(browser, agreement=None, **fields):
    url = (
        reverse("intake_form:agreement_edit", args=[agreement.public_id])
        if agreement
        else reverse("intake_form:agreement_add")
    )
    return browser.post(url, {"title": "", "body": "", **fields})


def publish(browser):
    return browser.post(reverse("intake_form:publish"), follow=True)


@pytest.fixture
def photos(owner_client, practice):
    """The owner rewrites the consent in their own words and adds a photo consent that a
    client may decline; published as version 2."""
    treatment = Agreement.objects.get(practice=practice, key=agreements.TREATMENT)
    response = save_agreement(
        owner_client,
        treatment,
        title="Consent to treatment",
        body="I agree to a massage from Tamsin.\nI will say if anything hurts.",
    )
    assert response.status_code == 302
    response = save_agreement(
        owner_client,
        title="Photos for the website",
        body="You may photograph my back & shoulders (no face) for your website.",
    )
    assert response.status_code == 302
    publish(owner_client)
    practice.refresh_from_db()
    return IntakeFormVersion.current(practice)


def test_a_new_practice_starts_with_consent_and_its_cancellation_policy(practice):
    version = IntakeFormVersion.current(practice)
    assert [a["key"] for a in version.agreements] == ["treatment", "cancellations"]
    drafts = Agreement.objects.filter(practice=practice)
    assert [a.published() for a in drafts] == version.agreements


def test_the_client_reads_each_agreement_and_signs_it_on_the_phone(phone, practice, photos):
    page = phone.get(reverse("intake:public", args=[practice.slug])).content.decode()
    assert "I agree to a massage from Tamsin.<br>I will say if anything hurts." in page
    assert "back &amp; shoulders (no face)" in page  # escaped once
    photo_key = photos.agreements[-1]["key"]
    assert f'name="agree_{photo_key}"' in page

    # The photo consent may be declined; the consent to treatment may not.
    data = intake_data(form_version=str(photos.number), agree_treatment="")
    response = phone.post(reverse("intake:public", args=[practice.slug]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["agree_treatment"]
    assert "Please tick this to agree" in response.content.decode()
    assert 'value="Robin Hale"' in response.content.decode()  # nothing typed is lost

    data = intake_data(form_version=str(photos.number), nonce="nonce-2")
    response = phone.post(
        reverse("intake:public", args=[practice.slug]), data, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302
    submission = IntakeSubmission.objects.get()
    assert submission.answers["agreements"] == ["treatment", "cancellations"]
    assert (submission.signed_name, submission.ip_address) == ("Robin Hale", "203.0.113.9")
    assert [(a["title"], agreed) for a, agreed in agreements.agreed(submission)] == [
        ("Consent to treatment", True),
        ("Cancellations and arriving late", True),
        ("Photos for the website", False),
    ]


def test_what_was_signed_stays_as_it_was_read(owner_client, phone, practice, photos):
    data = intake_data(
        form_version=str(photos.number), **{f"agree_{photos.agreements[-1]['key']}": "on"}
    )
    assert phone.post(reverse("intake:public", args=[practice.slug]), data).status_code == 302
    submission = IntakeSubmission.objects.get()
    appointment = AppointmentFactory(client=submission.client, start=submission.submitted_at)

    treatment = Agreement.objects.get(practice=practice, key=agreements.TREATMENT)
    save_agreement(owner_client, treatment, title="Consent", body="New words altogether.")
    publish(owner_client)
    practice.refresh_from_db()
    assert IntakeFormVersion.current(practice).number == 3

    [(_, declaration)] = answers.declarations_for(submission.client, [appointment])
    assert declaration.consented
    signed = [(a["title"], a["body"], agreed) for a, agreed in declaration.signed]
    assert signed[0] == (
        "Consent to treatment",
        "I agree to a massage from Tamsin.\nI will say if anything hurts.",
        True,
    )
    assert signed[2][2] is True
    page = owner_client.get(
        reverse("clients:submission", args=[submission.client.public_id, submission.public_id])
    ).content.decode()
    assert "Photos for the website" in page and "New words altogether" not in page


def test_consent_to_treatment_cannot_be_removed_or_made_optional(owner_client, practice):
    treatment = Agreement.objects.get(practice=practice, key=agreements.TREATMENT)
    response = owner_client.post(
        reverse("intake_form:agreement_remove", args=[treatment.public_id]), follow=True
    )
    assert "Every form asks for consent to treatment" in response.content.decode()
    assert Agreement.objects.filter(pk=treatment.pk).exists()
    save_agreement(owner_client, treatment, title="Consent", body="Yes.", required="")
    treatment.refresh_from_db()
    assert treatment.required and treatment.published()["required"]


def test_a_blank_agreement_is_sent_back_with_a_message(owner_client, practice):
    response = save_agreement(owner_client, title="Photos", body="")
    assert response.status_code == 200
    assert response.context["form"].errors["body"] == ["This field is required."]
    assert 'value="Photos"' in response.content.decode()


def test_removing_an_agreement_keeps_it_for_those_who_signed(owner_client, practice):
    cancellations = Agreement.objects.get(practice=practice, key=agreements.CANCELLATIONS)
    url = reverse("intake_form:agreement_remove", args=[cancellations.public_id])
    assert "Remove “Cancellations and arriving late”?" in owner_client.get(url).content.decode()
    owner_client.post(url)
    publish(owner_client)
    practice.refresh_from_db()
    assert [a["key"] for a in IntakeFormVersion.current(practice).agreements] == ["treatment"]
    assert [a["key"] for a in IntakeFormVersion.numbered(practice, 1).agreements] == [
        "treatment",
        "cancellations",
    ]


def test_a_practice_created_with_its_policies_signs_them_in_its_own_words(db):
    practice = PracticeFactory(
        cancellation_policy="A day's notice, please.", late_arrival_policy="Late ends on time."
    )
    [_, cancellations] = IntakeFormVersion.current(practice).agreements
    assert cancellations["body"] == "A day's notice, please.\n\nLate ends on time."
