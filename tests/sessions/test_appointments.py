import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import services, signals
from sessions.models import Appointment, Service, Technique, TransitionError

from ..factories import AppointmentFactory, ClientFactory, ServiceFactory, SessionNoteFactory

Status = Appointment.Status


def test_a_new_practice_starts_with_services_and_techniques(practice):
    assert Service.objects.filter(practice=practice).count() == 2
    assert "Deep tissue" in Technique.objects.filter(practice=practice).values_list(
        "name", flat=True
    )


def test_booking_takes_length_and_price_from_the_service(owner_client, practice):
    client = ClientFactory(practice=practice)
    service = ServiceFactory(practice=practice, duration_minutes=90, price=85)

    form = owner_client.get(reverse("sessions:create")).context["form"]
    assert form["price"].value() is None  # nothing typed in for the therapist to overlook

    response = owner_client.post(
        reverse("sessions:create"),
        {
            "client": client.pk,
            "service": service.pk,
            "start": "2026-12-01T10:00",
            "duration_minutes": "",
            "price": "",
        },
    )

    appointment = Appointment.objects.get()
    assert response.url == reverse("sessions:detail", args=[appointment.public_id])
    assert (appointment.duration_minutes, appointment.price) == (90, 85)
    assert timezone.localtime(appointment.start).hour == 10


def test_booking_without_a_service_needs_a_length_and_keeps_the_input(owner_client, practice):
    client = ClientFactory(practice=practice)

    response = owner_client.post(
        reverse("sessions:create"), {"client": client.pk, "start": "2026-12-01T10:00"}
    )

    assert "duration_minutes" in response.context["form"].errors
    assert 'value="2026-12-01T10:00"' in response.content.decode()


def test_booking_cannot_pick_another_practices_client(owner_client, other_practice):
    theirs = ClientFactory(practice=other_practice)

    response = owner_client.post(
        reverse("sessions:create"),
        {"client": theirs.pk, "start": "2026-12-01T10:00", "duration_minutes": 60},
    )

    assert "client" in response.context["form"].errors
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("complete", Status.COMPLETED),
        ("cancel_client", Status.CANCELLED_CLIENT),
        ("cancel_practice", Status.CANCELLED_PRACTICE),
        ("late_cancel", Status.LATE_CANCELLATION),
        ("no_show", Status.NO_SHOW),
    ],
)
def test_a_booked_session_moves_to_what_happened(owner_client, practice, action, status):
    appointment = AppointmentFactory(client__practice=practice)
    heard = []
    signals.appointment_status_changed.connect(
        lambda sender, **kw: heard.append((kw["appointment"].status, kw["old_status"])),
        weak=False,
        dispatch_uid="test",
    )
    try:
        owner_client.post(
            reverse("sessions:status", args=[appointment.public_id]),
            {"action": action, "reason": "Flu", "minutes_late": "15"},
        )
    finally:
        signals.appointment_status_changed.disconnect(dispatch_uid="test")

    appointment.refresh_from_db()
    assert appointment.status == status
    assert heard == [(status, Status.BOOKED)]
    assert appointment.minutes_late == (15 if status == Status.COMPLETED else None)
    assert appointment.cancellation_reason == ("Flu" if status in Appointment.CANCELLED else "")


def test_a_finished_session_refuses_another_status_with_a_clear_message(owner_client, practice):
    appointment = AppointmentFactory(client__practice=practice, status=Status.CANCELLED_CLIENT)

    response = owner_client.post(
        reverse("sessions:status", args=[appointment.public_id]),
        {"action": "complete"},
        follow=True,
    )

    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED_CLIENT
    assert "cancelled by client: it cannot be marked completed" in response.content.decode()


def test_change_status_raises_for_an_invalid_transition(practice):
    appointment = AppointmentFactory(client__practice=practice, status=Status.NO_SHOW)

    with pytest.raises(TransitionError):
        services.change_status(appointment, Status.COMPLETED, by=None)


def test_only_a_booked_session_can_be_moved(owner_client, practice):
    done = AppointmentFactory(client__practice=practice, status=Status.COMPLETED)
    booked = AppointmentFactory(client__practice=practice)
    url = "sessions:reschedule"
    data = {"start": "2026-12-02T09:30", "duration_minutes": "45"}

    refused = owner_client.post(reverse(url, args=[done.public_id]), data)
    moved = owner_client.post(reverse(url, args=[booked.public_id]), data)

    assert "Only a booked session can be moved." in refused.content.decode()
    booked.refresh_from_db()
    assert moved.status_code == 302
    assert timezone.localtime(booked.start).strftime("%d %H:%M") == "02 09:30"
    assert booked.duration_minutes == 45


@pytest.mark.parametrize("count", [2, 20])
def test_the_day_view_runs_a_fixed_number_of_queries(
    owner_client, practice, count, django_assert_max_num_queries
):
    day = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for n in range(count):
        AppointmentFactory(client__practice=practice, start=day + datetime.timedelta(minutes=n))

    with django_assert_max_num_queries(6):
        response = owner_client.get(reverse("sessions:day"), {"date": day.date().isoformat()})
    assert len(response.context["appointments"]) == count


def test_the_day_view_shows_what_to_know_about_each_session(owner_client, practice, owner):
    day = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    at = lambda minutes: day + datetime.timedelta(minutes=minutes)  # noqa: E731
    flagged = ClientFactory(
        practice=practice, first_name="Ada", last_name="Flag", has_red_flags=True
    )
    service = ServiceFactory(practice=practice, name="Deep tissue")
    booked = AppointmentFactory(client=flagged, start=at(0), service=service)
    signed = SessionNoteFactory(appointment__client__practice=practice, appointment__start=at(60))
    services.sign_note(signed, owner.memberships.get())
    draft = SessionNoteFactory(appointment__client__practice=practice, appointment__start=at(120))
    AppointmentFactory(client__practice=practice, start=at(180), status=Status.COMPLETED)

    response = owner_client.get(reverse("sessions:day"), {"date": day.date().isoformat()})

    rows = response.context["appointments"]
    assert [row.start_time for row in rows] == ["09:00", "10:00", "11:00", "12:00"]
    assert rows[0].url == reverse("sessions:detail", args=[booked.public_id])
    assert (rows[0].client_name, rows[0].red_flags, rows[0].service) == (
        "Ada Flag",
        True,
        "Deep tissue",
    )
    assert [(row.status_label, row.note_signed, row.has_note) for row in rows] == [
        ("Booked", False, False),
        ("Completed", True, True),
        ("Completed", False, True),
        ("Completed", False, False),
    ]
    page = response.content.decode()
    assert page.count("Red flags") == 1
    assert page.count("Note signed") == page.count("Note not signed") == 1
    assert page.count("No note yet") == 1
    assert f'href="{rows[2].url}"' in page and draft.appointment.client.full_name in page


def test_the_week_view_groups_sessions_by_day(owner_client, practice):
    monday = datetime.date(2026, 11, 23)
    start = timezone.make_aware(datetime.datetime(2026, 11, 25, 10, 0))
    AppointmentFactory(client__practice=practice, start=start)

    response = owner_client.get(reverse("sessions:week"), {"date": "2026-11-26"})

    days = dict(response.context["days"])
    assert response.context["monday"] == monday
    assert len(days[datetime.date(2026, 11, 25)]) == 1
    assert sum(len(v) for v in days.values()) == 1


def test_a_completed_session_is_marked_not_paid_and_paid(owner_client, practice):
    appointment = AppointmentFactory(client__practice=practice, status=Status.COMPLETED)
    url = reverse("sessions:paid", args=[appointment.public_id])

    owner_client.post(url, {"unpaid": "1"})
    appointment.refresh_from_db()
    assert appointment.unpaid

    owner_client.post(url, {"unpaid": "0"})
    appointment.refresh_from_db()
    assert not appointment.unpaid
