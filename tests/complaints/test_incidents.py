import datetime
import io
import smtplib

import pgtrigger
import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from complaints import reports, sending, services, tasks
from complaints.models import Incident, IncidentReport
from followups import dispatch
from followups.models import FollowUp
from practice.models import Membership
from sessions import services as session_services

from ..factories import (
    CheckInFactory,
    IncidentFactory,
    NoteAreaFactory,
    SessionNoteFactory,
)


@pytest.fixture
def insured(practice):
    practice.insurer_name = "Mutual Therapists"
    practice.insurance_policy_number = "PI-2026-0042"
    practice.insurer_claims_email = "claims@mutual.example"
    practice.save()
    return practice


def signed_session(client, owner, when, pain=8):
    note = SessionNoteFactory(
        appointment__client=client, appointment__start=when, assessment="Lumbar tension"
    )
    NoteAreaFactory(note=note, region="lower_back", pressure=4, max_pain=pain)
    session_services.flag_pain(note)
    note.pain_flag_reason = "Asked for firmer work."
    note.save()
    session_services.sign_note(note, Membership.objects.get(user=owner))
    return note


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_a_worse_check_in_opens_a_draft_incident_for_that_session(client, practice, owner):
    checkin, token = CheckInFactory.with_token(practice)

    client.post(reverse("checkin_reply", args=[token]), {"answer": "worse", "comment": "Sore"})
    client.post(reverse("checkin_reply", args=[token]), {"answer": "worse", "comment": "Still"})

    incident = Incident.objects.get()
    assert incident.status == Incident.Status.DRAFT
    assert incident.checkin == checkin and incident.symptoms == "Sore"
    assert list(incident.sessions.all()) == [checkin.appointment]


def test_the_report_holds_the_notes_ratings_policy_and_hashes(insured, owner):
    incident = IncidentFactory(
        client__practice=insured,
        claim_reference="CLM-77",
        statement="I checked pressure throughout.",
    )
    note = signed_session(incident.client, owner, timezone.now() - datetime.timedelta(days=3))
    incident.sessions.add(note.appointment)
    services.sign_statement(incident, Membership.objects.get(user=owner))

    pages, text = pdf_text(reports.render_pdf(incident)[0])

    assert 1 <= pages <= 3
    for expected in (
        "PI-2026-0042",
        "Mutual Therapists",
        "CLM-77",
        "Lumbar tension",
        "Lower back",
        "Asked for firmer work.",
        "I checked pressure throughout.",
        "The note matches its signature",
        "Page 1 of",
    ):
        assert expected in text, expected
    flat = text.replace("\n", "")
    assert note.signed_hash in flat
    assert incident.statement_hash in flat


def test_a_tampered_note_shows_as_not_matching_in_the_report(insured, owner):
    incident = IncidentFactory(client__practice=insured)
    note = signed_session(incident.client, owner, timezone.now())
    incident.sessions.add(note.appointment)
    # Tampering that got past the database's own guard (someone who can switch triggers
    # off) still shows in the report.
    with (
        pgtrigger.ignore("treatment_sessions.SessionNote:signed_note_changes_with_amendment"),
        connection.cursor() as cursor,
    ):
        type(note).objects.filter(pk=note.pk).update(assessment="Rewritten later")
        if connection.vendor == "postgresql":  # SQLite has no triggers and no deferred checks
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the check, while it is off

    _, text = pdf_text(reports.render_pdf(incident)[0])

    assert "does not match its signature" in text


def test_thirty_sessions_make_a_longer_but_sane_report(insured, owner):
    incident = IncidentFactory(client__practice=insured)
    start = timezone.now() - datetime.timedelta(days=300)
    for n in range(30):
        note = signed_session(incident.client, owner, start + datetime.timedelta(days=10 * n))
        incident.sessions.add(note.appointment)

    pages, text = pdf_text(reports.render_pdf(incident)[0])

    assert 8 <= pages <= 40
    assert text.count("The note matches its signature") == 30


def test_sending_the_report_e_mails_the_pdf_and_keeps_the_copy(
    owner_client, insured, owner, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(client__practice=insured)
    incident.sessions.add(signed_session(incident.client, owner, timezone.now()).appointment)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        owner_client.post(
            reverse("complaints:report_send", args=[incident.public_id]),
            {"to": "claims@mutual.example", "cover_message": "Please find my report attached."},
        )
    assert len(queued) == 1  # the dispatcher is rung only after the commit
    report = IncidentReport.objects.get()
    dispatch.dispatch()

    [message] = mail.outbox
    assert message.to == ["claims@mutual.example"]
    assert "PI-2026-0042" in message.subject
    assert message.body == "Please find my report attached."
    name, content, mimetype = message.attachments[0]
    assert (name.endswith(".pdf"), mimetype) == (True, "application/pdf")
    report.refresh_from_db()
    assert report.status == IncidentReport.Status.SENT
    assert content == bytes(report.pdf)
    assert report.sha256 == reports.sha256(content)
    download = owner_client.get(reverse("complaints:report", args=[report.public_id]))
    assert download.content == content  # byte for byte
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REPORTED


class DownMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server down")


def test_a_report_that_cannot_be_sent_retries_then_shows_failed(
    insured, owner, settings, owner_client
):
    settings.EMAIL_BACKEND = f"{__name__}.DownMailServer"
    incident = IncidentFactory(client__practice=insured)
    report = services.make_report(
        incident, owner, sent_to="claims@mutual.example", status=IncidentReport.Status.QUEUED
    )
    sending.send(report)

    for _ in range(settings.FOLLOWUP_MAX_ATTEMPTS):  # each try once its back-off has passed
        FollowUp.objects.filter(pk=report.followup_id).update(due_at=timezone.now())
        dispatch.dispatch()

    report.refresh_from_db()
    assert report.status == IncidentReport.Status.FAILED
    assert report.attempts == settings.FOLLOWUP_MAX_ATTEMPTS
    assert "mail server down" in report.last_error
    page = owner_client.get(reverse("complaints:incident", args=[incident.public_id]))
    assert "mail server down" in page.content.decode() and "Send again" in page.content.decode()


def test_the_statement_is_locked_once_signed(owner_client, practice, owner):
    incident = IncidentFactory(client__practice=practice, statement="First version")
    owner_client.post(reverse("complaints:incident_sign", args=[incident.public_id]))

    form = owner_client.get(reverse("complaints:incident", args=[incident.public_id])).context[
        "form"
    ]
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"statement": "Rewritten", "sessions": [], "reported_at": "2026-11-20T09:00"}
    owner_client.post(reverse("complaints:incident", args=[incident.public_id]), data)

    incident.refresh_from_db()
    assert incident.statement == "First version"
    assert incident.statement_verifies()


def test_assistants_cannot_open_incidents(assistant_client, practice):
    incident = IncidentFactory(client__practice=practice)
    assert (
        assistant_client.get(reverse("complaints:incident", args=[incident.public_id])).status_code
        == 403
    )


def test_a_report_queued_before_the_outbox_is_given_its_row_and_sent(insured, owner):
    incident = IncidentFactory(client__practice=insured)
    report = services.make_report(
        incident, owner, sent_to="claims@mutual.example", status=IncidentReport.Status.QUEUED
    )

    assert tasks.send_waiting_reports() == 1
    dispatch.dispatch()

    report.refresh_from_db()
    assert report.status == IncidentReport.Status.SENT
    assert len(mail.outbox) == 1
    assert tasks.send_waiting_reports() == 0


def test_an_assistant_reads_back_the_incident_they_recorded_and_no_other(
    assistant_client, assistant, practice
):
    from ..factories import ClientFactory

    person = ClientFactory(practice=practice)
    response = assistant_client.post(
        reverse("complaints:incident_create"),
        {
            "client": person.pk,
            "reported_at": "2026-11-20T18:00",
            "reported_by": "The client, by phone",
            "symptoms": "Bruising on the left calf.",
            "severity": "mild",
            "status": "open",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    theirs = Incident.objects.get(client=person)
    assert theirs.recorded_by == assistant
    assert response.url == reverse("complaints:incident", args=[theirs.public_id])

    page = assistant_client.get(response.url)
    assert page.status_code == 200
    assert "Bruising on the left calf." in page.content.decode()
    assert "Send the report" not in page.content.decode()  # the owner's part
    someone_elses = IncidentFactory(client=person)
    assert (
        assistant_client.get(
            reverse("complaints:incident", args=[someone_elses.public_id])
        ).status_code
        == 403
    )
    listing = assistant_client.get(reverse("complaints:list")).content.decode()
    assert reverse("complaints:incident", args=[theirs.public_id]) in listing
    assert reverse("complaints:incident", args=[someone_elses.public_id]) not in listing
