import datetime

from django.urls import reverse
from django.utils import timezone

from clients import erasure
from clients.models import Client, IntakeSubmission
from clients.tasks import purge_erased
from practice.models import AuditEvent, Membership
from sessions import services as session_services
from sessions.models import SessionNote

from ..factories import (
    ClientFactory,
    IncidentFactory,
    IntakeSubmissionFactory,
    SessionNoteFactory,
)


def test_erasing_removes_personal_data_and_keeps_signed_records(owner_client, owner, practice):
    robin = ClientFactory(
        practice=practice,
        first_name="Robin",
        email="robin@example.com",
        mobile="+447911123456",
        private_notes="Knee surgery 2019",
        allergies="Latex",
        has_red_flags=True,
        red_flags=["pregnancy"],
    )
    IntakeSubmissionFactory(client=robin)
    signed = SessionNoteFactory(
        appointment__client=robin, appointment__start=timezone.now() - datetime.timedelta(days=10)
    )
    session_services.sign_note(signed, Membership.objects.get(user=owner))
    SessionNoteFactory(appointment__client=robin)  # an unsigned draft
    IncidentFactory(client=robin)

    owner_client.post(reverse("clients:erase", args=[robin.public_id]), {"confirm": "erase"})

    robin.refresh_from_db()
    assert (robin.first_name, robin.email, robin.mobile, robin.private_notes) == (
        "Erased",
        "",
        "",
        "",
    )
    assert not robin.has_red_flags and robin.allergies == ""
    assert not IntakeSubmission.objects.filter(client=robin).exists()
    assert list(SessionNote.objects.filter(client=robin)) == [signed]
    assert SessionNote.objects.get(pk=signed.pk).verify()  # still trustworthy
    assert robin.incidents.count() == 1
    expected_year = timezone.localtime(signed.appointment.start).year + 8
    assert robin.retain_until.year >= expected_year
    assert AuditEvent.objects.filter(client=robin, what__startswith="erased").exists()


def test_kept_records_are_purged_after_the_retention_period(practice, owner):
    robin = ClientFactory(practice=practice)
    SessionNoteFactory(appointment__client=robin)
    IncidentFactory(client=robin)
    erasure.erase_client(robin)
    Client.objects.filter(pk=robin.pk).update(retain_until=datetime.date(2020, 1, 1))
    waiting = ClientFactory(practice=practice)
    erasure.erase_client(waiting)

    assert purge_erased() == 1

    assert not Client.objects.filter(pk=robin.pk).exists()
    assert Client.objects.filter(pk=waiting.pk).exists()


def test_only_the_owner_erases(assistant_client, practice):
    robin = ClientFactory(practice=practice, first_name="Robin")
    response = assistant_client.post(
        reverse("clients:erase", args=[robin.public_id]), {"confirm": "erase"}
    )
    robin.refresh_from_db()
    assert response.status_code == 403 and robin.first_name == "Robin"


def test_an_erased_client_is_gone_from_the_practice_s_day(owner_client, owner, practice):
    from followups.models import FollowUp, Kind
    from sessions.calendar import build_calendar
    from sessions.models import Appointment

    from ..factories import AppointmentFactory, FollowUpFactory

    robin = ClientFactory(practice=practice, first_name="Robin", last_name="Quill")
    now = timezone.now()
    tomorrow = AppointmentFactory(client=robin, start=now + datetime.timedelta(days=1))
    later = AppointmentFactory(client=robin, start=now + datetime.timedelta(days=9))
    past = AppointmentFactory(
        client=robin, start=now - datetime.timedelta(days=3), status=Appointment.Status.COMPLETED
    )
    reminders = FollowUp.objects.filter(client=robin, kind=Kind.REMINDER).count()
    assert reminders == 2  # planned with the bookings
    FollowUpFactory(client=robin, kind=Kind.LAPSED)

    response = owner_client.post(
        reverse("clients:erase", args=[robin.public_id]), {"confirm": "erase"}, follow=True
    )

    page = response.content.decode()
    assert "Cancelled 2 future bookings and 3 planned messages; nobody was told." in page
    for booking in (tomorrow, later):
        booking.refresh_from_db()
        assert booking.status == Appointment.Status.CANCELLED_PRACTICE
    past.refresh_from_db()
    assert past.status == Appointment.Status.COMPLETED  # history stays history
    assert not FollowUp.objects.filter(client=robin).exists()
    # Not in any list, day, feed or search ...
    gone = "Erased client"
    assert gone not in owner_client.get(reverse("clients:list")).content.decode()
    search = owner_client.get(reverse("clients:list"), {"q": "Erased"})
    assert gone not in search.content.decode()
    day = owner_client.get(reverse("sessions:day"), {"date": past.start.date().isoformat()})
    assert gone not in day.content.decode()
    feed = build_calendar(practice).to_ical().decode()
    assert "Erased" not in feed and str(past.public_id) not in feed
    # ... and its page offers nothing but the retention notice.
    detail = owner_client.get(reverse("clients:detail", args=[robin.public_id])).content.decode()
    assert "kept" in detail and "until" in detail
    for action in ("Book a session", "Send the intake form", "Edit", "Move on", "Erase"):
        assert f">{action}<" not in detail
    assert owner_client.get(reverse("clients:edit", args=[robin.public_id])).status_code == 404
    booking = owner_client.get(reverse("sessions:create"), {"client": robin.public_id})
    assert booking.status_code == 404


def holds_client_data(model, client_model, depth=2):
    """Whether rows of `model` point to a client, directly or through a row that does."""
    if model is client_model:
        return True
    if depth == 0:
        return False
    return any(
        (field.many_to_one or field.one_to_one)
        and field.concrete
        and holds_client_data(field.related_model, client_model, depth - 1)
        for field in model._meta.get_fields()
    )


def test_every_model_holding_a_clients_data_has_an_eraser():
    from django.apps import apps

    covered = {label for eraser in erasure.erasers() for label in eraser.models}
    holding = {m._meta.label for m in apps.get_models() if holds_client_data(m, Client)}

    assert {"clients.Client", "treatment_sessions.NoteArea", "followups.Attempt"} <= holding
    assert holding - covered == set()
    assert covered - holding == set(), "an eraser names a model that holds no client data"


def test_purging_takes_the_insurer_reports_e_mail_with_it(practice, owner):
    from complaints import sending
    from complaints.models import IncidentReport
    from followups.models import FollowUp

    robin = ClientFactory(practice=practice)
    incident = IncidentFactory(client=robin)
    report = IncidentReport.objects.create(
        practice=practice,
        incident=incident,
        sent_to="claims@mutual.example",
        cover_message="Robin's back pain after the session of 1 December.",
    )
    sending.send(report)
    erasure.erase_client(robin)
    Client.objects.filter(pk=robin.pk).update(retain_until=datetime.date(2020, 1, 1))

    assert purge_erased() == 1

    assert not IncidentReport.objects.exists()
    assert not FollowUp.objects.filter(body__contains="back pain").exists()
