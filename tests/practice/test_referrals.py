import io

from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from followups import dispatch
from followups.models import FollowUp, Kind
from practice.front.tasks import send_referral_list
from practice.models import Practitioner


def add(practice, name, **fields):
    return Practitioner.objects.create(practice=practice, name=name, **fields)


def test_the_list_searches_and_filters(owner_client, practice, other_practice):
    add(practice, "Sam Okafor", profession="massage", specialties="deep tissue, sports")
    add(practice, "Lee Park", profession="physio", specialties="sports", accepting=False)
    add(other_practice, "Elsewhere Ed", profession="physio")
    url = reverse("practice:referrals")

    def names(**params):
        return [p.name for p in owner_client.get(url, params).context["practitioners"]]

    assert names() == ["Sam Okafor", "Lee Park"]
    assert names(profession="physio") == ["Lee Park"]
    assert names(specialty="sports", accepting="1") == ["Sam Okafor"]
    assert names(q="okafor") == ["Sam Okafor"]


def test_a_colleague_is_added_with_errors_next_to_the_fields(owner_client, practice):
    url = reverse("practice:practitioner_create")
    bad = owner_client.post(url, {"name": "Sam", "profession": "massage", "email": "nope"})
    assert "email" in bad.context["form"].errors
    assert 'value="Sam"' in bad.content.decode()

    owner_client.post(url, {"name": "Sam", "profession": "massage", "website": "sam.example"})
    assert Practitioner.objects.get().website == "https://sam.example"


def test_the_printable_list_shows_only_colleagues_taking_clients(owner_client, practice):
    add(practice, "Sam Okafor", profession="massage", phone="020 7946 0001")
    add(practice, "Lee Park", profession="physio", accepting=False)

    response = owner_client.get(reverse("practice:referral_pdf"))

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Sam Okafor" in text and "020 7946 0001" in text
    assert "Lee Park" not in text


def test_the_list_is_e_mailed_as_a_pdf_through_the_outbox(owner_client, practice):
    add(practice, "Sam Okafor", profession="massage")
    practice.email = "hello@calmhands.example"
    practice.save()

    owner_client.post(
        reverse("practice:referral_send"),
        {"to": "enquirer@example.com", "note": "Sorry, I am full."},
    )
    row = FollowUp.objects.get(kind=Kind.REFERRAL_LIST)
    assert (row.status, row.to, mail.outbox) == ("scheduled", "enquirer@example.com", [])
    dispatch.dispatch()

    [email] = mail.outbox
    assert email.to == ["enquirer@example.com"]
    assert email.reply_to == ["hello@calmhands.example"]
    assert email.subject == f"Recommended practitioners from {practice.name}"
    assert email.body.startswith("Sorry, I am full.")
    name, content, mimetype = email.attachments[0]
    assert name == "recommended-practitioners.pdf"
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    row.refresh_from_db()
    assert row.status == "sent"


def test_a_list_queued_before_the_outbox_still_goes_out(practice):
    add(practice, "Sam Okafor", profession="massage")

    send_referral_list.apply(args=[practice.pk, "enquirer@example.com", "Sorry, I am full."])
    dispatch.dispatch()

    [email] = mail.outbox
    assert email.to == ["enquirer@example.com"] and email.attachments


def test_a_full_practice_answers_new_clients_with_its_colleagues(client, practice):
    practice.is_full = True
    practice.save()
    add(practice, "Sam Okafor", profession="massage", specialties="deep tissue")
    add(practice, "Lee Park", profession="physio", accepting=False)

    html = client.get(reverse("intake:public", args=[practice.slug])).content.decode()

    assert "not taking new clients" in html
    assert "Sam Okafor" in html and "Lee Park" not in html


def test_an_empty_list_is_not_sent_and_the_page_says_why(
    owner_client, practice, django_capture_on_commit_callbacks
):
    add(practice, "Lee Park", profession="physio", accepting=False)

    page = owner_client.get(reverse("practice:referrals")).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        refused = owner_client.post(
            reverse("practice:referral_send"),
            {"to": "enquirer@example.com", "note": "Sorry, I am full."},
        )

    assert "nothing to send" in page and 'action="/practice/referrals/send/' not in page
    assert queued == []
    html = refused.content.decode()
    assert "No colleague on your list is taking new clients" in html
    assert 'value="enquirer@example.com"' in html and "Sorry, I am full." in html


def test_a_bad_address_is_marked_next_to_the_field_and_the_message_is_kept(owner_client, practice):
    add(practice, "Sam Okafor", profession="massage")

    response = owner_client.post(
        reverse("practice:referral_send"), {"to": "not-an-address", "note": "Sorry, I am full."}
    )

    html = response.content.decode()
    assert 'class="invalid-feedback" id="id_to_error">Enter a valid email address.' in html
    assert 'value="not-an-address"' in html and "Sorry, I am full." in html


def test_a_list_emptied_after_asking_is_not_sent_and_says_why(owner_client, practice):
    lee = add(practice, "Lee Park", profession="physio")
    owner_client.post(reverse("practice:referral_send"), {"to": "enquirer@example.com"})
    lee.accepting = False
    lee.save()

    dispatch.dispatch()

    assert mail.outbox == []
    row = FollowUp.objects.get(kind=Kind.REFERRAL_LIST)
    assert row.status == "failed"
    assert row.last_error == "Nobody on the list takes new clients now."
