"""The insurer's report holds what the client declared and consented to before each session,
the therapist's licence and policy, and is made by a worker, not inside the request."""

import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from complaints import reports, sending
from complaints.models import IncidentReport
from followups import dispatch
from followups.models import FollowUp, Kind

from ..factories import (
    AppointmentFactory,
    FollowUpFactory,
    IncidentFactory,
    IntakeSubmissionFactory,
)

DAY = datetime.timedelta(days=1)


@pytest.fixture
def insured(practice):
    practice.insurer_name = "Mutual Therapists"
    practice.insurance_policy_number = "PI-2026-0042"
    practice.insurer_claims_email = "claims@mutual.example"
    practice.licence_body = "Massage Therapy Council"
    practice.licence_number = "MTC-55812"
    practice.save()
    return practice


def text_of(data):
    reader = PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")


def intake(client, when, version, **answers):
    return IntakeSubmissionFactory(
        client=client,
        version=version,
        submitted_at=when,
        signed_name="Ruth Alder",
        ip_address="203.0.113.7",
        answers={"agreements": ["treatment", "cancellations"], **answers},
    )


@pytest.fixture
def incident(insured):
    now = timezone.now()
    incident = IncidentFactory(client__practice=insured, client__first_name="Ruth")
    client = incident.client
    intake(client, now - 40 * DAY, 1, medications="None", allergies="", conditions=[])
    first = AppointmentFactory(client=client, start=now - 30 * DAY, status="completed")
    intake(
        client,
        now - 20 * DAY,
        2,
        medications="Warfarin 5 mg daily",
        allergies="Almond oil",
        conditions=["blood_thinners"],
    )
    second = AppointmentFactory(client=client, start=now - 10 * DAY, status="completed")
    incident.sessions.add(first, second)
    return incident


def test_the_report_shows_the_intake_in_force_for_each_session(incident):
    text = text_of(reports.render_pdf(incident)[0])

    assert "What the client declared, and their consent" in text
    assert "The client's version 1 of their answers" in text
    assert "The client's version 2 of their answers" in text
    assert "Warfarin 5 mg daily" in text and "Almond oil" in text
    assert "Red flags Taking blood thinners (caution)" in text
    first, second = incident.sessions.order_by("start")
    version_1 = text.index("The client's version 1")
    version_2 = text.index("The client's version 2")
    assert f"{first.start:%-d %b %Y}" in text[version_1:version_2]
    assert f"{second.start:%-d %b %Y}" in text[version_2:]


def test_the_report_shows_the_consent_word_for_word_and_who_gave_it(incident):
    text = " ".join(text_of(reports.render_pdf(incident)[0]).split())

    assert "Signed “Ruth Alder”, " in text
    assert ", personal link (from 203.0.113.7)" in text
    assert "(the practice's form, version 1)" in text
    consent = text.index("Consent to treatment I agree to receive massage.")
    assert "Agreed" in text[consent : consent + 300]
    assert "Consent to treatment not given" not in text


def test_the_report_names_the_licence_and_the_policy(incident):
    text = text_of(reports.render_pdf(incident)[0])

    assert "Licence MTC-55812, Massage Therapy Council" in text
    assert "Mutual Therapists, policy PI-2026-0042" in text


def test_a_session_with_no_intake_before_it_says_so(insured):
    incident = IncidentFactory(client__practice=insured)
    session = AppointmentFactory(client=incident.client, start=timezone.now() - 3 * DAY)
    incident.sessions.add(session)

    text = text_of(reports.render_pdf(incident)[0])

    assert f"No intake form had been given before the session of {session.start:%-d %b %Y}" in (
        text
    )


def test_messages_skipped_as_too_late_are_not_contact_in_the_report(incident):
    client = incident.client
    FollowUpFactory(client=client, kind=Kind.CHECKIN, status=FollowUp.Status.SKIPPED)
    FollowUpFactory(
        client=client, kind=Kind.THANK_YOU, status=FollowUp.Status.SENT, sent_at=timezone.now()
    )

    text = text_of(reports.render_pdf(incident)[0])

    assert "Thank-you after a first visit" in text
    assert "Check-in after a session" not in text


def test_sending_answers_at_once_and_the_worker_makes_the_pdf(
    owner_client, incident, monkeypatch, django_capture_on_commit_callbacks
):
    rendered = []
    real_render = reports.render_pdf
    monkeypatch.setattr(reports, "render_pdf", lambda i: rendered.append(i) or real_render(i))

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = owner_client.post(
            reverse("complaints:report_send", args=[incident.public_id]),
            {"to": "claims@mutual.example", "cover_message": "My report is attached."},
        )

    assert response.status_code == 302
    assert rendered == []  # nothing was drawn inside the request
    report = IncidentReport.objects.get()
    assert (report.status, report.sha256) == (IncidentReport.Status.QUEUED, "")
    listing = owner_client.get(reverse("complaints:incident_reports", args=[incident.public_id]))
    assert "Sending…" in listing.content.decode()
    assert "{#" not in listing.content.decode() and "comment" not in listing.content.decode()
    assert 'hx-trigger="every 3s"' in listing.content.decode()

    assert len(queued) == 1  # the dispatcher is rung only after the commit
    dispatch.dispatch()  # the worker's tick: makes the PDF once, then sends it

    report.refresh_from_db()
    assert report.status == IncidentReport.Status.SENT
    [message] = mail.outbox
    attached = message.attachments[0][1]
    assert attached == bytes(report.pdf) and report.sha256 == reports.sha256(attached)
    assert "Warfarin 5 mg daily" in text_of(attached)
    listing = owner_client.get(reverse("complaints:incident_reports", args=[incident.public_id]))
    assert "every 3s" not in listing.content.decode()


def test_a_report_that_cannot_be_made_shows_failed_and_can_be_sent_again(
    owner_client, incident, monkeypatch
):
    report = IncidentReport.objects.create(
        practice=incident.practice, incident=incident, sent_to="claims@mutual.example"
    )
    real_render = reports.render_pdf

    def broken(incident):
        raise ValueError("a bad value")

    monkeypatch.setattr(reports, "render_pdf", broken)
    sending.send(report)
    dispatch.dispatch()

    report.refresh_from_db()
    assert report.status == IncidentReport.Status.FAILED
    assert "could not be made" in report.last_error
    page = owner_client.get(reverse("complaints:incident", args=[incident.public_id]))
    assert "Send again" in page.content.decode()
    assert owner_client.get(reverse("complaints:report", args=[report.public_id])).status_code == (
        404
    )

    monkeypatch.setattr(reports, "render_pdf", real_render)
    owner_client.post(reverse("complaints:report_resend", args=[report.public_id]))
    dispatch.dispatch()

    report.refresh_from_db()
    assert report.status == IncidentReport.Status.SENT
    assert len(mail.outbox) == 1
