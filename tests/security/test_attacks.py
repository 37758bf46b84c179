"""What an attacker would try: other practices' ids, forged tokens, posts without CSRF,
script in every free-text field, SQL-looking input, oversized bodies."""

import io

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from pypdf import PdfReader

from clients.models import Client
from complaints import reports
from followups import dispatch
from followups.models import Kind
from practice.models import Membership
from sessions import services as session_services

from ..factories import (
    ClientFactory,
    FollowUpFactory,
    IncidentFactory,
    NoteAreaFactory,
    SessionNoteFactory,
)

XSS = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def assert_escaped(html):
    assert "<script>alert(" not in html
    assert "<img src=x onerror" not in html


@pytest.fixture
def hostile(practice, owner):
    """A client and a signed note with script in every free-text field."""
    client = ClientFactory(
        practice=practice,
        first_name=XSS,
        last_name=XSS,
        pronouns="x",
        private_notes=XSS,
        allergies=XSS,
        tags=XSS,
        source_detail=XSS,
        email="h@example.com",
        email_consent=True,
        red_flags=["pregnancy"],
        has_red_flags=True,
        emergency_contact_name=XSS,
    )
    note = SessionNoteFactory(
        appointment__client=client,
        subjective=XSS,
        changes_since_last=XSS,
        posture=XSS,
        range_of_motion=XSS,
        palpation=XSS,
        assessment=XSS,
        home_care=XSS,
        next_visit=XSS[:100],
        pain_flag_reason=XSS,
    )
    NoteAreaFactory(note=note)
    session_services.sign_note(note, Membership.objects.get(user=owner))
    return client, note


def test_script_is_escaped_on_every_page_that_shows_it(owner_client, hostile):
    client, note = hostile
    pages = [
        reverse("clients:list"),
        reverse("clients:detail", args=[client.public_id]),
        reverse("sessions:detail", args=[note.appointment.public_id]),
        reverse("sessions:day") + f"?date={note.appointment.start.date().isoformat()}",
        reverse("dashboard"),
    ]
    for url in pages:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode())


def test_script_in_the_pdf_is_printed_as_text(hostile, practice):
    client, note = hostile
    incident = IncidentFactory(client=client, symptoms=XSS, statement=XSS)
    incident.sessions.add(note.appointment)

    pdf, _ = reports.render_pdf(incident)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "<script>alert" in text  # shown literally, as the therapist typed it


def test_script_in_an_e_mail_is_escaped_in_the_html_part(hostile, settings):
    client, _ = hostile
    settings.SITE_URL = "http://testserver"
    FollowUpFactory(client=client, kind=Kind.MOVE_ON, body=f"Dear {XSS}")

    dispatch.dispatch()

    html = mail.outbox[0].alternatives[0][0]
    assert_escaped(html)
    assert "&lt;script&gt;" in html


def test_posts_without_a_csrf_token_are_refused(owner, practice):
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(owner)

    response = browser.post(reverse("clients:create"), {"first_name": "A", "last_name": "B"})

    assert response.status_code == 403
    assert not Client.objects.exists()


def test_sql_looking_input_is_just_text(owner_client, practice):
    ClientFactory(practice=practice, first_name="Robin")
    nasty = "'; DROP TABLE clients_client; --"

    search = owner_client.get(reverse("clients:list"), {"q": nasty})
    owner_client.post(
        reverse("clients:create"),
        {
            "first_name": nasty,
            "last_name": "x",
            "email": "n@example.com",
            "preferred_channel": "email",
            "status": "active",
        },
    )

    assert search.status_code == 200
    assert Client.objects.filter(first_name=nasty).exists()
    assert Client.objects.filter(first_name="Robin").exists()


def test_an_oversized_body_is_refused(client, practice, settings):
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)

    response = client.post(reverse("intake:public", args=[practice.slug]), {"goals": big})

    assert response.status_code == 400
    assert not Client.objects.exists()


def test_another_practices_ids_in_forms_are_refused(owner_client, other_practice):
    theirs = ClientFactory(practice=other_practice)

    response = owner_client.post(
        reverse("sessions:create"),
        {"client": theirs.pk, "start": "2026-12-01T10:00", "duration_minutes": "60"},
    )

    assert "client" in response.context["form"].errors


@pytest.mark.parametrize("path", ["/intake/", "/checkin/", "/unsubscribe/"])
@pytest.mark.parametrize("token", ["a" * 500, "..%2F..%2Fetc%2Fpasswd", "%00", "x.y:z"])
def test_forged_tokens_look_like_missing_pages(client, db, path, token):
    assert client.get(f"{path}{token}/").status_code == 404
