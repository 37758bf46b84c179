"""A service's usual note: new notes start from it, written ones never change."""

import pytest
from django.urls import reverse

from sessions.models import Appointment, NoteTemplate, SessionNote, Technique

from ..factories import AppointmentFactory, ServiceFactory
from .test_notes import note_data


@pytest.fixture
def prenatal(practice):
    return ServiceFactory(practice=practice, name="Pregnancy massage")


@pytest.fixture
def side_lying(practice):
    return Technique.objects.create(practice=practice, name="Side-lying effleurage")


def template_data(**overrides):
    return {
        "subjective": "",
        "posture": "",
        "range_of_motion": "",
        "palpation": "",
        "assessment": "",
        "home_care": "",
        "next_visit": "",
        "asks_pain_before": "on",
        "asks_pain_after": "on",
    } | overrides


def test_the_owner_writes_a_services_usual_note(owner_client, prenatal, side_lying):
    url = reverse("sessions:note_template", args=[prenatal.public_id])
    services_page = owner_client.get(reverse("sessions:services")).content.decode()
    assert url in services_page

    data = template_data(
        subjective="Weeks pregnant: . Comfortable lying on her left side.",
        home_care="Drink water & rest on your left side.",
        next_visit="In 2 weeks",
        techniques=[side_lying.pk],
        areas=["lower_back", "calf"],
        asks_pain_after="",
    )
    assert owner_client.post(url, data).status_code == 302
    template = NoteTemplate.objects.get(service=prenatal)
    assert template.areas == ["lower_back", "calf"]
    assert list(template.techniques.all()) == [side_lying]
    assert template.unasked == ["pain_after"]
    again = owner_client.get(url).content.decode()
    assert "Drink water &amp; rest on your left side." in again


def test_a_new_note_starts_from_its_services_template(owner_client, practice, prenatal, side_lying):
    template = NoteTemplate.objects.create(
        practice=practice,
        service=prenatal,
        subjective="Comfortable lying on her left side.",
        next_visit="In 2 weeks",
        areas=["lower_back", "calf"],
        asks_pain_after=False,
    )
    template.techniques.add(side_lying)
    session = AppointmentFactory(
        client__practice=practice, service=prenatal, status=Appointment.Status.COMPLETED
    )
    url = reverse("sessions:note", args=[session.public_id])

    response = owner_client.get(url)
    form, areas = response.context["form"], response.context["areas"]
    assert form["subjective"].value() == "Comfortable lying on her left side."
    assert form["next_visit"].value() == "In 2 weeks"
    assert form["techniques"].value() == [side_lying.pk]
    assert [f["region"].value() for f in areas.forms[:2]] == ["lower_back", "calf"]
    assert "pain_after" not in form.fields and "pain_before" in form.fields
    assert 'name="pain_after"' not in response.content.decode()

    data = note_data(subjective="Left side, 24 weeks.", pain_after="")
    assert owner_client.post(url, data).status_code == 302
    note = SessionNote.objects.get()
    assert (note.subjective, note.pain_after) == ("Left side, 24 weeks.", None)

    # The template changes; the note already written does not, and it asks what it asked.
    template.subjective, template.asks_pain_after = "Something else entirely.", True
    template.save()
    note.refresh_from_db()
    assert note.subjective == "Left side, 24 weeks."
    edit = owner_client.get(url)
    assert edit.context["form"]["subjective"].value() == "Left side, 24 weeks."
    assert "pain_after" in edit.context["form"].fields


def test_copy_from_the_last_note_still_copies_the_clients_own(owner_client, practice, prenatal):
    NoteTemplate.objects.create(practice=practice, service=prenatal, subjective="From the template")
    first = AppointmentFactory(
        client__practice=practice, service=prenatal, status=Appointment.Status.COMPLETED
    )
    owner_client.post(
        reverse("sessions:note", args=[first.public_id]), note_data(subjective="Her own words")
    )
    later = AppointmentFactory(
        client=first.client,
        service=prenatal,
        status=Appointment.Status.COMPLETED,
        start=first.start + (first.start - first.start.replace(year=first.start.year - 1)),
    )
    copied = owner_client.get(reverse("sessions:note", args=[later.public_id]), {"copy": "last"})
    assert copied.context["form"]["subjective"].value() == "Her own words"


def test_another_practices_service_has_no_template_page_here(owner_client, other_practice):
    theirs = ServiceFactory(practice=other_practice)
    url = reverse("sessions:note_template", args=[theirs.public_id])
    assert owner_client.get(url).status_code == 404
