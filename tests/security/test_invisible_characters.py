"""NUL and bidirectional formatting controls never reach the database, and text stored
with them before cannot reorder what the insurer reads (practice/text.py)."""

import io

from django.urls import reverse
from pypdf import PdfReader

from clients.models import Client
from complaints import reports
from practice import text

from ..factories import IncidentFactory

RLO, PDF_MARK = "\u202e", "\u202c"


def test_a_direction_override_typed_in_a_name_is_taken_out(owner_client, practice):
    response = owner_client.post(
        reverse("clients:create"),
        {
            "first_name": f"Robin{RLO}",
            "last_name": f"Hale {RLO}gnirob{PDF_MARK}",
            "email": "robin@example.com",
            "preferred_channel": "email",
            "status": "active",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    robin = Client.objects.get(email="robin@example.com")
    assert (robin.first_name, robin.last_name) == ("Robin", "Hale gnirob")


def test_a_nul_in_a_filter_is_an_ordinary_search(owner_client, practice):
    for parameter in ("q", "profession", "specialty"):
        page = owner_client.get(reverse("practice:referrals"), {parameter: "\x00"})
        assert page.status_code == 200, parameter


def test_an_override_kept_in_an_incident_cannot_reorder_its_report(practice):
    # Typed before input was cleaned: the statement ends "... no pain at all" when read
    # with the override, "... sharp pain" (its bytes, in order) without it.
    incident = IncidentFactory(
        client__practice=practice,
        client__first_name="Robin",
        symptoms=f"Client reported {RLO}niap prahs{PDF_MARK} after the session",
    )

    data, _ = reports.render_pdf(incident)

    extracted = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert RLO not in extracted and PDF_MARK not in extracted
    assert "Client reported niap prahs after the session" in " ".join(extracted.split())


def test_cleaning_keeps_right_to_left_text_and_its_marks():
    hebrew = "\u05e9\u05dc\u05d5\u05dd\u200f"
    assert text.clean(hebrew) == hebrew
    assert text.clean(f"a\x00b{RLO}c\u2066d\u2069") == "abcd"
