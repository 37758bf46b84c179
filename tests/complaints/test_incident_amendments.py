"""A signed incident's facts change only as amendments, shown on its page and in the
report; the claim's progress changes freely."""

from django.urls import reverse

from complaints import reports
from complaints.models import IncidentAmendment

from ..factories import IncidentFactory
from .test_incidents import pdf_text


def signed_incident(owner_client, practice):
    incident = IncidentFactory(
        client__practice=practice, symptoms="Bruise on the left calf", statement="I stopped."
    )
    owner_client.post(reverse("complaints:incident_sign", args=[incident.public_id]))
    return incident


def form_data(owner_client, incident, **changes):
    url = reverse("complaints:incident", args=[incident.public_id])
    form = owner_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "statement"}
    data["reported_at"] = form["reported_at"].value().strftime("%Y-%m-%dT%H:%M")
    data["sessions"] = []
    return url, data | changes


def test_changing_a_signed_fact_asks_why_and_keeps_what_was_typed(owner_client, practice):
    incident = signed_incident(owner_client, practice)
    url, data = form_data(owner_client, incident, symptoms="Bruise on both calves")

    page = owner_client.post(url, data)

    assert page.status_code == 200
    form = page.context["form"]
    assert "say why these details change" in " ".join(form.errors["amend_reason"])
    assert form["symptoms"].value() == "Bruise on both calves"  # nothing typed is lost
    incident.refresh_from_db()
    assert incident.symptoms == "Bruise on the left calf"
    assert not IncidentAmendment.objects.exists()


def test_a_signed_fact_changes_as_an_amendment_shown_on_the_page_and_in_the_report(
    owner_client, practice, owner
):
    incident = signed_incident(owner_client, practice)
    url, data = form_data(
        owner_client,
        incident,
        symptoms="Bruise on both calves",
        severity="moderate",
        amend_reason="The client sent a photo of the right calf too.",
    )

    assert owner_client.post(url, data).status_code == 302

    incident.refresh_from_db()
    assert (incident.symptoms, incident.severity) == ("Bruise on both calves", "moderate")
    amendment = IncidentAmendment.objects.get()
    assert amendment.by == owner
    assert {(c["label"], c["old_text"], c["new_text"]) for c in amendment.changes} == {
        ("Symptoms", "Bruise on the left calf", "Bruise on both calves"),
        ("Severity", "Mild", "Moderate"),
    }
    page = owner_client.get(url).content.decode()
    assert "Changed after signing" in page and "sent a photo of the right calf" in page
    _, text = pdf_text(reports.render_pdf(incident)[0])
    assert "Changes after signing" in text
    assert "Bruise on the left calf → Bruise on both calves" in text


def test_the_claim_s_progress_changes_without_an_amendment(owner_client, practice):
    incident = signed_incident(owner_client, practice)
    url, data = form_data(owner_client, incident, claim_reference="CL-778", status="reported")

    assert owner_client.post(url, data).status_code == 302

    incident.refresh_from_db()
    assert (incident.claim_reference, incident.status) == ("CL-778", "reported")
    assert not IncidentAmendment.objects.exists()
