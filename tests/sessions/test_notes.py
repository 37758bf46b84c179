import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from practice.models import Membership
from sessions import services
from sessions.models import Appointment, NoteAmendment, SessionNote

from ..factories import AppointmentFactory, NoteAreaFactory, SessionNoteFactory


def note_data(**overrides):
    data = {
        "subjective": "Tight lower back.",
        "pain_before": "5",
        "assessment": "Lumbar tension.",
        "pain_after": "2",
        "consent_confirmed": "on",
        "pressure_checked": "on",
        "areas-TOTAL_FORMS": "1",
        "areas-INITIAL_FORMS": "0",
        "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "40",
        "areas-0-region": "lower_back",
        "areas-0-side": "both",
        "areas-0-aspect": "back",
        "areas-0-pressure": "4",
        "areas-0-max_pain": "6",
    }
    return data | overrides


@pytest.fixture
def completed(practice):
    return AppointmentFactory(client__practice=practice, status=Appointment.Status.COMPLETED)


def owner_membership(user):
    return Membership.objects.get(user=user)


def test_a_note_is_saved_with_its_areas(owner_client, completed):
    response = owner_client.post(reverse("sessions:note", args=[completed.public_id]), note_data())

    assert response.status_code == 302
    note = SessionNote.objects.get()
    assert note.client == completed.client
    assert [(a.region, a.pressure, a.max_pain) for a in note.areas.all()] == [("lower_back", 4, 6)]
    assert not note.pain_flagged


def test_pain_at_the_threshold_flags_the_note_and_warns(owner_client, completed, practice):
    practice.pain_threshold = 7
    practice.save()

    response = owner_client.post(
        reverse("sessions:note", args=[completed.public_id]),
        note_data(**{"areas-0-max_pain": "7"}),
        follow=True,
    )

    assert SessionNote.objects.get().pain_flagged
    assert "Pain reached 7/10, at or above your threshold of 7" in response.content.decode()


def test_bad_ratings_are_refused_next_to_the_field_and_the_text_kept(owner_client, completed):
    response = owner_client.post(
        reverse("sessions:note", args=[completed.public_id]),
        note_data(**{"areas-0-pressure": "6", "pain_after": "11"}),
    )

    assert response.status_code == 200
    assert "pain_after" in response.context["form"].errors
    assert "pressure" in response.context["areas"].forms[0].errors
    assert "Tight lower back." in response.content.decode()
    assert not SessionNote.objects.exists()


def test_a_booked_session_has_no_note_yet(owner_client, practice):
    booked = AppointmentFactory(client__practice=practice)

    response = owner_client.get(reverse("sessions:note", args=[booked.public_id]), follow=True)

    assert "Mark the session completed" in response.content.decode()


def test_signing_locks_the_note_and_keeps_its_hash(practice, owner):
    note = SessionNoteFactory(appointment__client__practice=practice)
    NoteAreaFactory(note=note)

    services.sign_note(note, owner_membership(owner))

    note.refresh_from_db()
    assert note.is_signed and note.signed_by == owner
    assert len(note.signed_hash) == 64
    assert note.signed_hash == SessionNote.hash_of(note.canonical())
    assert note.verify()


def test_a_summer_session_signed_straight_after_booking_still_verifies(practice, owner):
    # The start is in local summer time (UTC+1) in memory, and in UTC once read back.
    london = zoneinfo.ZoneInfo("Europe/London")
    start = datetime.datetime(2026, 7, 7, 11, 0, tzinfo=london)
    note = SessionNoteFactory(appointment__client__practice=practice, appointment__start=start)

    services.sign_note(note, owner_membership(owner))

    assert SessionNote.objects.get(pk=note.pk).verify()


def test_a_tampered_note_fails_verification(practice, owner):
    note = SessionNoteFactory(appointment__client__practice=practice)
    area = NoteAreaFactory(note=note, max_pain=6)
    services.sign_note(note, owner_membership(owner))

    # Someone edits the database behind the app's back.
    type(area).objects.filter(pk=area.pk).update(max_pain=3)

    note = SessionNote.objects.get(pk=note.pk)
    assert not note.verify()


def test_a_flagged_note_needs_a_reason_before_signing(practice, owner):
    note = SessionNoteFactory(appointment__client__practice=practice)
    NoteAreaFactory(note=note, max_pain=9)
    services.flag_pain(note)

    with pytest.raises(ValidationError, match="write why"):
        services.sign_note(note, owner_membership(owner))


def test_an_assistant_cannot_sign_or_amend(assistant_client, assistant, practice):
    note = SessionNoteFactory(appointment__client__practice=practice)
    public_id = note.appointment.public_id

    assistant_client.post(reverse("sessions:note_sign", args=[public_id]))
    amend = assistant_client.get(reverse("sessions:note_amend", args=[public_id]))

    note.refresh_from_db()
    assert not note.is_signed
    assert amend.status_code == 403
    with pytest.raises(PermissionDenied):
        services.sign_note(note, owner_membership(assistant))


def test_a_signed_note_cannot_be_edited_directly(owner_client, owner, practice):
    note = SessionNoteFactory(appointment__client__practice=practice)
    services.sign_note(note, owner_membership(owner))
    url = reverse("sessions:note", args=[note.appointment.public_id])

    response = owner_client.post(url, note_data(subjective="Rewritten"))

    assert response.url == reverse("sessions:note_amend", args=[note.appointment.public_id])
    note.refresh_from_db()
    assert note.subjective == "Low back tight after running."


def test_an_amendment_records_who_when_why_and_what_changed(owner_client, owner, practice):
    note = SessionNoteFactory(appointment__client__practice=practice)
    area = NoteAreaFactory(note=note)
    services.sign_note(note, owner_membership(owner))
    signed_hash = note.signed_hash
    data = note_data(
        subjective="Low back tight after running.",
        assessment="",
        pain_before="",
        pain_after="",
        reason="Wrote the wrong pain level.",
        **{
            "areas-INITIAL_FORMS": "1",
            "areas-0-id": str(area.pk),
            "areas-0-pressure": "3",
            "areas-0-max_pain": "5",
        },
    )

    response = owner_client.post(
        reverse("sessions:note_amend", args=[note.appointment.public_id]), data
    )

    assert response.status_code == 302
    amendment = NoteAmendment.objects.get()
    assert (amendment.by, amendment.reason) == (owner, "Wrote the wrong pain level.")
    fields = {change["field"]: change for change in amendment.changes}
    assert set(fields) == {"pressure_checked", "areas"}
    assert fields["areas"]["old"][0]["max_pain"] == 4
    assert fields["areas"]["new"][0]["max_pain"] == 5
    note.refresh_from_db()
    assert note.signed_hash == signed_hash  # the original signature stays
    assert note.signed_content["areas"][0]["max_pain"] == 4
    assert note.content_hash == amendment.hash_after
    assert note.verify()


def test_an_amendment_needs_a_reason_and_a_change(owner_client, owner, practice):
    note = SessionNoteFactory(appointment__client__practice=practice)
    services.sign_note(note, owner_membership(owner))
    url = reverse("sessions:note_amend", args=[note.appointment.public_id])
    unchanged = note_data(
        subjective=note.subjective,
        assessment="",
        pain_before="",
        pain_after="",
        pressure_checked="",
        **{"areas-TOTAL_FORMS": "0"},
    )

    no_reason = owner_client.post(url, unchanged)
    no_change = owner_client.post(url, unchanged | {"reason": "Checking"})

    assert "reason" in no_reason.context["reason"].errors
    assert "Nothing was changed." in no_change.content.decode()
    assert not NoteAmendment.objects.exists()


def test_copy_from_last_note_prefills_the_new_note(owner_client, practice):
    earlier = SessionNoteFactory(
        appointment__client__practice=practice, assessment="Chronic neck tension."
    )
    NoteAreaFactory(note=earlier, region="neck", pressure=2)
    client = earlier.client
    later = AppointmentFactory(
        client=client,
        status=Appointment.Status.COMPLETED,
        start=earlier.appointment.start + datetime.timedelta(days=14),
    )

    response = owner_client.get(reverse("sessions:note", args=[later.public_id]), {"copy": "last"})

    assert response.context["form"].initial["assessment"] == "Chronic neck tension."
    assert response.context["areas"].forms[0].initial["region"] == "neck"
    assert not response.context["form"].initial.get("consent_confirmed")
