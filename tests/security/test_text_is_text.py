"""What a client and an insurer read is what was typed: plain text (texts, subjects, the
e-mail's text part) is never HTML-escaped, and HTML (the e-mail's HTML part, the PDFs)
escapes exactly once."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from complaints import reports
from followups import dispatch
from sessions import printing
from sessions import services as sessions
from sessions.models import Appointment

from ..factories import AppointmentFactory, ClientFactory, IncidentFactory, SessionNoteFactory
from ..support import system
from ..support.system import fonts_cover

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)
PRACTICE = "Smith & Jones <Massage>"
NAMES = ["Siobhán O'Brien", "Tom & Jerry", "Ana <b>Bold</b>", "Mia 🌸", "נועה"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def practice_and(practice):
    practice.name = PRACTICE
    practice.save()
    return practice


def complete_yesterday(client):
    appointment = AppointmentFactory(client=client, start=NOW - datetime.timedelta(hours=20))
    sessions.change_status(appointment, Appointment.Status.COMPLETED, by=None)
    return appointment


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("name", NAMES)
def test_a_text_message_reads_as_typed(practice_and, name, settings, tmp_path):
    settings.SMS_FILE = str(tmp_path / "sms.log")
    settings.QUIET_HOURS = (20, 9)
    client = ClientFactory(
        practice=practice_and,
        first_name=name,
        mobile="+447911654321",
        sms_consent=True,
        preferred_channel="sms",
    )
    complete_yesterday(client)

    dispatch.dispatch()

    sent = (tmp_path / "sms.log").read_text(encoding="utf-8")
    assert f"Hi {name}," in sent  # the text wording (e-mails say "Hello")
    assert PRACTICE in sent
    assert "&#x27;" not in sent and "&amp;" not in sent and "&lt;" not in sent


@pytest.mark.parametrize("name", NAMES)
def test_an_e_mail_is_plain_in_text_and_escaped_once_in_html(practice_and, name):
    client = ClientFactory(
        practice=practice_and, first_name=name, email_consent=True, preferred_channel="email"
    )
    complete_yesterday(client)

    dispatch.dispatch()

    [message] = [m for m in mail.outbox if m.to == [client.email]][:1]
    assert f"Hello {name}," in message.body
    assert PRACTICE in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
    html = message.alternatives[0][0]
    escaped = (
        name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#x27;")
    )
    assert f"Hello {escaped}," in html
    assert "&amp;amp;" not in html and "&amp;#x27;" not in html and "&amp;lt;" not in html
    assert "<b>Bold</b>" not in html


def test_a_subject_with_the_practice_name_reads_as_typed(practice_and):
    client = ClientFactory(practice=practice_and, email_consent=True, preferred_channel="email")
    complete_yesterday(client)  # a first visit: a thank-you names the practice in its subject

    dispatch.dispatch()

    subjects = [m.subject for m in mail.outbox]
    assert f"Thank you for visiting {PRACTICE}" in subjects


@pytest.mark.parametrize("name", NAMES)
def test_the_pdfs_show_names_as_typed(practice_and, name):
    system.require(fonts_cover(name), f"A font for {name!r} (fonts-noto-color-emoji)")
    client = ClientFactory(practice=practice_and, first_name=name, last_name="O'Neill")
    note = SessionNoteFactory(
        appointment__client=client,
        appointment__start=timezone.now() - datetime.timedelta(days=2),
        subjective=f"{name} said the lower back & hips felt tight.",
    )
    incident = IncidentFactory(client=client, symptoms=f"{name} reported <sharp> pain.")
    incident.sessions.add(note.appointment)

    report = pdf_text(reports.render_pdf(incident)[0])
    notes = pdf_text(printing.client_notes_pdf(client))

    for text in (report, notes):
        assert f"{PRACTICE} · " in text  # the footer on every page
        assert "&amp;" not in text and "&#x27;" not in text and "&lt;" not in text
        assert "O'Neill" in text
    # Right-to-left words are read back in their own order, so each part is checked alone.
    assert name in report and "reported <sharp> pain." in report
    assert name in notes and "lower back & hips felt tight" in notes.replace("\n", " ")
