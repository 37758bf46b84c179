"""The practice's own intake questions: written by the owner, published as versions,
answered by clients, read as they were asked."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from clients import answers
from clients.models import Client, IntakeFormVersion, IntakeQuestion, IntakeSubmission

from ..factories import AppointmentFactory, IntakeQuestionFactory, MembershipFactory
from .test_intake import intake_data


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def phone():
    """A client's phone: no account, no cookie of the owner's."""
    return Browser()


def add_question(browser, **fields):
    data = {
        "section": "Pregnancy",
        "label": "",
        "help_text": "",
        "kind": "yes_no",
        "choices_text": "",
        "show_if": "",
        "show_if_answer": "",
        "show_if_condition": "",
        "flag_level": "",
        "flag_answer": "",
    } | fields
    response = browser.post(reverse("intake_form:add"), data)
    assert response.status_code == 302, response.context["form"].errors
    return IntakeQuestion.objects.get(label=fields["label"])


def publish(browser):
    response = browser.post(reverse("intake_form:publish"), follow=True)
    assert response.status_code == 200
    return response


@pytest.fixture
def prenatal(owner_client, practice):
    """A prenatal practice's own questions, published as version 2: a trimester question
    that shows after the checklist's "Pregnant" and rules massage out in the first
    trimester, and an oils question that flags any answer."""
    add_question(
        owner_client,
        label="Which trimester are you in?",
        kind="one_choice",
        choices_text="First\nSecond\nThird",
        required="on",
        show_if_condition="pregnancy",
        flag_level="contraindication",
        flag_answer="first",
    )
    add_question(
        owner_client,
        section="Oils and skin",
        label="Oils or lotions your skin reacts to",
        kind="long_text",
        flag_level="caution",
    )
    publish(owner_client)
    practice.refresh_from_db()
    return IntakeFormVersion.current(practice)


def test_publishing_makes_a_version_that_new_forms_ask(phone, owner_client, practice, prenatal):
    assert prenatal.number == 2
    assert [q["label"] for q in prenatal.questions] == [
        "Which trimester are you in?",
        "Oils or lotions your skin reacts to",
    ]
    page = phone.get(reverse("intake:public", args=[practice.slug])).content.decode()
    assert "Which trimester are you in?" in page
    assert 'data-show-answer="pregnancy" data-show-if="conditions"' in page
    assert "You see this because you ticked “Pregnant”." in page
    # Publishing again with nothing changed makes no new version.
    publish(owner_client)
    assert IntakeFormVersion.objects.filter(practice=practice).count() == 2


def test_a_draft_is_not_asked_until_it_is_published(phone, owner_client, practice):
    add_question(owner_client, section="Training", label="Hours of training a week", kind="number")
    page = phone.get(reverse("intake:public", args=[practice.slug])).content.decode()
    assert "Hours of training a week" not in page
    preview = owner_client.get(reverse("intake_form:preview")).content.decode()
    assert "Hours of training a week" in preview
    assert "Nothing typed here is sent or kept." in preview
    builder = owner_client.get(reverse("intake_form:builder")).content.decode()
    assert "The draft below has changes that clients do not see yet." in builder
    publish(owner_client)
    page = phone.get(reverse("intake:public", args=[practice.slug])).content.decode()
    assert "Hours of training a week" in page  # the blank form drawn once is drawn again


def test_answers_raise_flags_on_the_note_form_and_the_client_page(
    phone, owner_client, practice, prenatal
):
    trimester, oils = (q["key"] for q in prenatal.questions)
    data = intake_data(
        conditions=["pregnancy"],
        form_version="2",
        **{f"q_{trimester}": "First", f"q_{oils}": "Almond oil brings me out in a rash"},
    )
    response = phone.post(reverse("intake:public", args=[practice.slug]), data)
    assert response.status_code == 302
    submission = IntakeSubmission.objects.get()
    assert submission.form_version == prenatal
    assert submission.answers["questions"] == {
        trimester: "First",
        oils: "Almond oil brings me out in a rash",
    }
    record = Client.objects.get()
    assert record.has_red_flags
    assert [(f.label, f.level) for f in record.flagged_conditions()] == [
        ("Which trimester are you in? First", "contraindication"),
        ("Pregnant", "caution"),
        ("Oils or lotions your skin reacts to Almond oil brings me out in a rash", "caution"),
    ]
    appointment = AppointmentFactory(client=record, status="completed")
    note_form = owner_client.get(reverse("sessions:note", args=[appointment.public_id]))
    banner = note_form.content.decode()
    assert "Which trimester are you in? First <strong>(may rule massage out)</strong>" in banner
    page = owner_client.get(reverse("clients:detail", args=[record.public_id])).content.decode()
    assert "Which trimester are you in? First" in page


def test_a_question_shown_after_an_answer_is_asked_only_then(phone, practice, prenatal):
    trimester, _ = (q["key"] for q in prenatal.questions)
    url = reverse("intake:public", args=[practice.slug])

    # Not pregnant: the trimester answer sent anyway (no script on the phone) is not kept.
    phone.post(url, intake_data(conditions=[], form_version="2", **{f"q_{trimester}": "First"}))
    submission = IntakeSubmission.objects.get()
    assert submission.answers["questions"] == {}
    assert not Client.objects.get().has_red_flags

    # Pregnant and no trimester: asked, required, and everything typed is kept.
    response = phone.post(
        url, intake_data(conditions=["pregnancy"], form_version="2", nonce="nonce-2")
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"q_{trimester}"] == ["Please answer this question."]
    assert 'value="Robin Hale"' in response.content.decode()


def test_editing_and_republishing_leaves_what_a_client_was_asked(
    phone, owner_client, practice, prenatal
):
    trimester, oils = (q["key"] for q in prenatal.questions)
    data = intake_data(
        conditions=["pregnancy"],
        form_version="2",
        **{f"q_{trimester}": "Second", f"q_{oils}": "Lavender"},
    )
    phone.post(reverse("intake:public", args=[practice.slug]), data)
    submission = IntakeSubmission.objects.get()

    question = IntakeQuestion.objects.get(key=trimester)
    response = owner_client.post(
        reverse("intake_form:edit", args=[question.public_id]),
        {
            "section": "Pregnancy",
            "label": "How many weeks pregnant are you?",
            "kind": "number",
            "show_if_condition": "pregnancy",
            "flag_level": "contraindication",
            "flag_answer": "0",
        },
    )
    assert response.status_code == 302
    oils_question = IntakeQuestion.objects.get(key=oils)
    owner_client.post(reverse("intake_form:remove", args=[oils_question.public_id]))
    publish(owner_client)
    practice.refresh_from_db()
    assert IntakeFormVersion.current(practice).number == 3

    page = owner_client.get(
        reverse("clients:submission", args=[submission.client.public_id, submission.public_id])
    ).content.decode()
    assert "Which trimester are you in?" in page and "Second" in page
    assert "Oils or lotions your skin reacts to" in page and "Lavender" in page
    assert "How many weeks pregnant" not in page
    later = AppointmentFactory(
        client=submission.client, start=timezone.now() + datetime.timedelta(days=1)
    )
    ((_, declaration),) = answers.declarations_for(submission.client, [later])
    rows = {label: (text, flagged) for label, text, flagged in declaration.rows}
    assert rows["Which trimester are you in?"] == ("Second", False)
    assert rows["Oils or lotions your skin reacts to"] == ("Lavender", True)


def test_a_form_drawn_before_a_new_version_keeps_its_questions(
    phone, owner_client, practice, prenatal
):
    trimester = prenatal.questions[0]["key"]
    add_question(owner_client, section="Training", label="Your sport", kind="short_text")
    publish(owner_client)
    data = intake_data(conditions=["pregnancy"], form_version="2", **{f"q_{trimester}": "Third"})
    phone.post(reverse("intake:public", args=[practice.slug]), data)
    submission = IntakeSubmission.objects.get()
    assert submission.form_version.number == 2
    assert submission.answers["questions"] == {trimester: "Third"}


def test_the_owner_gets_clear_messages_for_questions_that_cannot_work(owner_client, practice):
    url = reverse("intake_form:add")
    base = {"section": "Training", "label": "Your sport", "kind": "one_choice"}
    form = owner_client.post(url, base | {"choices_text": "Running"}).context["form"]
    assert form.errors["choices_text"] == ["Give at least two choices, one a line."]
    sport = add_question(
        owner_client,
        section="Training",
        label="Your sport",
        kind="one_choice",
        choices_text="Running\nCycling\nRunning",
    )
    assert sport.choices == ["Running", "Cycling"]
    form = owner_client.post(
        url,
        base
        | {
            "label": "Race soon?",
            "kind": "yes_no",
            "show_if": sport.pk,
            "show_if_answer": "Swimming",
        },
    ).context["form"]
    assert form.errors["show_if_answer"] == [
        "Write one of the answers to “Your sport”: Running, Cycling."
    ]
    form = owner_client.post(
        url,
        base | {"label": "Soreness", "kind": "scale", "flag_level": "caution", "flag_answer": "12"},
    ).context["form"]
    assert form.errors["flag_answer"] == ["A scale runs from 0 to 10."]
    race = add_question(
        owner_client,
        section="Training",
        label="Race soon?",
        kind="yes_no",
        show_if=sport.pk,
        show_if_answer="cycling",
    )
    assert race.show_if_answer == "Cycling"

    # A question stays after the one it depends on, and is removed before it.
    owner_client.post(reverse("intake_form:move", args=[race.public_id, "up"]))
    assert list(IntakeQuestion.objects.values_list("label", flat=True)) == [
        "Your sport",
        "Race soon?",
    ]
    page = owner_client.post(reverse("intake_form:remove", args=[sport.public_id]))
    assert "“Race soon?” is shown only after this question." in page.content.decode()
    assert IntakeQuestion.objects.filter(pk=sport.pk).exists()


def test_moving_a_question_changes_the_order_clients_see(owner_client, practice):
    first = IntakeQuestionFactory(practice=practice, label="First one")
    second = IntakeQuestionFactory(practice=practice, label="Second one")
    owner_client.post(reverse("intake_form:move", args=[second.public_id, "up"]))
    assert list(IntakeQuestion.objects.values_list("pk", flat=True)) == [second.pk, first.pk]
    assert (
        owner_client.post(
            reverse("intake_form:move", args=[second.public_id, "sideways"])
        ).status_code
        == 302
    )


def test_an_assistant_cannot_change_the_form(client, practice):
    assistant = MembershipFactory(practice=practice, role="assistant").user
    client.force_login(assistant)
    assert client.get(reverse("intake_form:builder")).status_code == 403
    assert client.post(reverse("intake_form:publish")).status_code == 403
