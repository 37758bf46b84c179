"""The client's right of access: one zip with the whole record as data and as printed."""

import hashlib
import io
import json
import zipfile

from django.urls import reverse
from pypdf import PdfReader

from practice.models import Membership
from sessions import services as session_services

from ..factories import (
    CheckInFactory,
    ClientFactory,
    ComplaintFactory,
    IncidentReportFactory,
    IntakeSubmissionFactory,
    NoteAreaFactory,
    SessionNoteFactory,
)


def download(owner_client, client):
    response = owner_client.get(reverse("clients:export", args=[client.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="client-record-')
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_export_holds_every_part_of_the_record_and_its_pdfs(owner_client, practice, owner):
    record = ClientFactory(practice=practice, first_name="Ada", last_name="Stone")
    IntakeSubmissionFactory(client=record, version=1, answers={"conditions": ["asthma"]})
    note = SessionNoteFactory(
        appointment__client=record, assessment="Tight left trapezius, eased with stretches."
    )
    NoteAreaFactory(note=note, region="neck", pressure=3, max_pain=4)
    session_services.sign_note(note, Membership.objects.get(user=owner))
    CheckInFactory(client=record, appointment=note.appointment, answer="better", comment="Loose")
    ComplaintFactory(client=record, client_words="The room was cold.")
    report = IncidentReportFactory(incident__client=record, pdf=b"%PDF-1.7 the insurer's copy")
    elsewhere = ClientFactory(practice=practice, first_name="Ben")
    SessionNoteFactory(appointment__client=elsewhere, assessment="Not Ada's note.")

    archive = download(owner_client, record)

    data = json.loads(archive.read("record.json"))
    assert data["client"]["details"]["first_name"] == "Ada"
    assert data["client"]["intake_submissions"][0]["answers"] == {"conditions": ["asthma"]}
    [session] = data["sessions"]
    assert session["note"]["assessment"] == "Tight left trapezius, eased with stretches."
    assert session["note"]["areas"][0]["region"] == "neck"
    assert session["note"]["signed_hash"] == note.signed_hash
    assert data["messages"]["check_ins"][0]["comment"] == "Loose"
    assert data["complaints_and_incidents"]["complaints"][0]["client_words"] == "The room was cold."
    [incident] = data["complaints_and_incidents"]["incidents"]
    stored = archive.read(incident["reports"][0]["file"])
    assert stored == b"%PDF-1.7 the insurer's copy"
    assert hashlib.sha256(stored).hexdigest() == report.sha256

    reader = PdfReader(io.BytesIO(archive.read("session-notes.pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Ada Stone" in text
    assert "Tight left trapezius" in text
    assert "matches its signature" in text
    assert "Not Ada's note." not in text
    assert "Ada Stone" in archive.read("README.txt").decode()


def test_a_client_with_no_sessions_gets_data_without_an_empty_pdf(owner_client, practice):
    record = ClientFactory(practice=practice)

    archive = download(owner_client, record)

    assert sorted(archive.namelist()) == ["README.txt", "record.json"]
    assert json.loads(archive.read("record.json"))["sessions"] == []
