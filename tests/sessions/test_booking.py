"""Clients booking, moving and cancelling themselves: free times, the pages, the rules."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from clients import agreements, services
from clients.models import Agreement, Client
from followups import dispatch
from followups.models import FollowUp, Kind
from practice import dates
from sessions import availability, booking
from sessions.models import (
    Appointment,
    BookingLink,
    Service,
    TimeOff,
    WaitlistEntry,
)

from ..factories import AppointmentFactory, ClientFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
# Sunday 18 October 2026, noon: British Summer Time ends a week later (25 October).
NOW = datetime.datetime(2026, 10, 18, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def monday(day, hour, minute=0):
    """A time on a Monday of October/November 2026 on the practice's clock."""
    return datetime.datetime(2026, *day, hour, minute, tzinfo=LONDON)


def times_on(practice, service, date):
    return [
        dates.time(slot.start, practice)
        for day in availability.free_days(practice, service)
        if day.date == date
        for slot in day.slots
    ]


# --- Free times -----------------------------------------------------------------------


def test_working_hours_stay_on_the_local_clock_across_the_change(open_practice, service):
    days = availability.free_days(open_practice, service)
    by_date = {day.date: day for day in days}

    summer = by_date[datetime.date(2026, 10, 19)]
    winter = by_date[datetime.date(2026, 10, 26)]

    assert summer.label == "Monday 19 October"
    assert [dates.time(slot.start, open_practice) for slot in summer.slots] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "12:00",
    ]
    assert [slot.start.astimezone(LONDON).time() for slot in winter.slots] == [
        slot.start.astimezone(LONDON).time() for slot in summer.slots
    ]
    # 09:00 is 08:00 UTC in summer time and 09:00 UTC after the change.
    assert summer.slots[0].start.astimezone(UTC).hour == 8
    assert winter.slots[0].start.astimezone(UTC).hour == 9
    # Four Mondays in the 28 days' horizon, and no other day.
    assert [day.date.weekday() for day in days] == [0, 0, 0, 0]


def test_sessions_time_off_and_rest_after_keep_times_busy(open_practice, service, owner):
    client = ClientFactory(practice=open_practice)
    AppointmentFactory(client=client, therapist=owner, service=service, start=monday((10, 19), 10))
    # Busy 10:00-11:15 (15 minutes free after): 09:00 would run into it, 11:30 is the first.
    assert times_on(open_practice, service, datetime.date(2026, 10, 19)) == ["11:30", "12:00"]

    TimeOff.objects.create(
        practice=open_practice,
        therapist=None,
        starts_at=monday((10, 26), 0),
        ends_at=monday((10, 27), 0),
        reason="Holiday",
    )
    assert times_on(open_practice, service, datetime.date(2026, 10, 26)) == []

    # A session booked before calendars (no therapist) keeps everyone busy.
    AppointmentFactory(
        client=client, therapist=None, start=monday((11, 2), 9), duration_minutes=180
    )
    assert times_on(open_practice, service, datetime.date(2026, 11, 2)) == ["12:00"]

    # A cancelled session frees its time.
    cancelled = AppointmentFactory(
        client=client, therapist=owner, service=service, start=monday((11, 9), 9)
    )
    before = times_on(open_practice, service, datetime.date(2026, 11, 9))
    cancelled.status = Appointment.Status.CANCELLED_CLIENT
    cancelled.save()
    after = times_on(open_practice, service, datetime.date(2026, 11, 9))
    assert "09:00" not in before and "09:00" in after


def test_a_home_visit_keeps_travel_free_on_both_sides(open_practice, service, owner):
    home = Service.objects.create(
        practice=open_practice,
        name="Home visit",
        duration_minutes=60,
        buffer_minutes=0,
        at_home=True,
        travel_minutes=30,
    )
    AppointmentFactory(
        client=ClientFactory(practice=open_practice),
        therapist=owner,
        service=service,
        start=monday((10, 19), 11),
    )
    # The session in the diary is busy 11:00-12:15; a home visit needs 30 minutes each way:
    # 09:30-10:30 is back by 11:00; 10:00 would not be; after 12:15 the day is too short.
    assert times_on(open_practice, home, datetime.date(2026, 10, 19)) == ["09:00", "09:30"]


def test_notice_and_horizon_bound_the_times(open_practice, service):
    service.min_notice_hours = 24 * 2
    service.horizon_days = 10
    service.save()
    days = availability.free_days(open_practice, service)
    assert [day.date for day in days] == [datetime.date(2026, 10, 26)]

    with pytest.raises(availability.Unavailable) as too_soon:
        availability.check(open_practice, service, monday((10, 19), 9))
    with pytest.raises(availability.Unavailable) as too_far:
        availability.check(open_practice, service, monday((11, 2), 9))
    with pytest.raises(availability.Unavailable) as closed:
        availability.check(open_practice, service, monday((10, 26), 15))
    with pytest.raises(availability.Unavailable) as past:
        availability.check(open_practice, service, monday((10, 12), 9))
    assert (too_soon.value.code, too_far.value.code, closed.value.code, past.value.code) == (
        "too_soon",
        "too_far",
        "hours",
        "past",
    )


# --- The public booking page ----------------------------------------------------------


def details_url(practice, service, start):
    base = reverse("booking:details", args=[practice.slug, service.public_id])
    return f"{base}?at={start.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


def test_the_client_reads_the_practices_policies_before_booking(client, open_practice, service):
    cancellations = Agreement.objects.get(practice=open_practice, key=agreements.CANCELLATIONS)
    cancellations.body = "Two days' notice, or the full fee."
    cancellations.save()
    services.publish_form(open_practice, by=None)
    page = client.get(details_url(open_practice, service, monday((10, 12), 10)))
    assert page.status_code == 200
    assert '<summary class="fw-semibold">Cancellations and arriving late</summary>' in (
        page.content.decode()
    )
    assert "Two days&#x27; notice, or the full fee." in page.content.decode()


DETAILS = {
    "first_name": "Jo",
    "last_name": "Rivers",
    "email": "jo.rivers@example.com",
    "mobile": "",
    "preferred_channel": "email",
    "website": "",
}


CONFIRM_LINK = r"http://testserver(/h/[\w-]+/)"


def confirm_link(to="jo.rivers@example.com"):
    """The link in the "confirm your massage" e-mail sent to `to`."""
    dispatch.dispatch()
    [message] = [
        m for m in mail.outbox if m.to == [to] and m.subject.startswith("Confirm your massage")
    ]
    mail.outbox.remove(message)
    return re.search(CONFIRM_LINK, message.body).group(1)


def book_on_the_page(client, practice, service, start, details=DETAILS):
    """Choose a time and confirm it from the e-mail, as a client does; the booked page."""
    done = client.post(details_url(practice, service, start), details)
    assert done.status_code == 302, done.content.decode()[:3000]
    link = confirm_link(details["email"])
    assert "Confirm" in client.get(link).content.decode()  # opening the link books nothing
    return client.post(link)


def test_a_new_client_books_on_the_page_and_gets_the_confirmation_and_the_form(
    client, open_practice, service, owner
):
    start_page = client.get(reverse("booking:start", args=[open_practice.slug]))
    assert start_page.status_code == 302  # one service: straight to its times
    times = client.get(start_page.url)
    assert b"Monday 19 October" in times.content
    start = monday((10, 19), 10)
    assert details_url(open_practice, service, start).encode() in times.content.replace(
        b"&amp;", b"&"
    )

    page = client.get(details_url(open_practice, service, start))
    assert b"Monday 19 October at 10:00" in page.content
    assert b"health" not in page.content.lower().replace(b"your health", b"")

    done = client.post(details_url(open_practice, service, start), DETAILS)
    assert done.status_code == 302
    assert "check your e-mail" in client.get(done.url).content.decode()
    assert not Appointment.objects.exists() and not Client.objects.exists()
    booked = client.post(confirm_link())
    assert b"You are booked" in booked.content

    appointment = Appointment.objects.get(client__email="jo.rivers@example.com")
    assert appointment.start == start
    assert appointment.therapist == owner
    assert appointment.booked_via == Appointment.Via.BOOKING_PAGE
    assert (appointment.service, appointment.price, appointment.duration_minutes) == (
        service,
        70,
        60,
    )
    jo = appointment.client
    assert jo.email_consent and not jo.sms_consent
    kinds = set(FollowUp.objects.filter(client=jo).values_list("kind", flat=True))
    # 22 hours ahead, inside the reminder's 24: the confirmation is the reminder.
    assert kinds == {Kind.BOOKING_CONFIRMATION, Kind.INTAKE_LINK}

    dispatch.dispatch()
    sent = {message.subject: message for message in mail.outbox}
    confirmation = sent["Booked: your massage on Monday 19 October at 10:00"]
    assert "Your massage on Monday 19 October at 10:00 is booked (Deep tissue, 60 minutes)." in (
        confirmation.body
    )
    assert "&amp;" not in confirmation.body and "&#x27;" not in confirmation.body
    (name, ics, mimetype) = confirmation.attachments[0]
    assert (name, mimetype) == ("massage.ics", "text/calendar")
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "DTSTART:20261019T090000Z" in ics and "Massage at Calm Hands" in ics
    assert f"Your form for {open_practice.name}" in sent

    link = re.search(r"http://testserver(/b/[\w-]+/)", confirmation.body).group(1)
    mine = client.get(link)
    assert mine.status_code == 200
    assert b"Monday 19 October at 10:00" in mine.content and b"Hello Jo" in mine.content
    for message in mail.outbox:  # every link of every message opens
        for path in re.findall(r"http://testserver(/\S+/)", message.body):
            assert client.get(path).status_code == 200, (message.subject, path)


def test_a_booking_further_ahead_keeps_its_reminder_and_both_form_links_open(
    client, open_practice, service
):
    start = monday((10, 26), 10)
    book_on_the_page(client, open_practice, service, start)
    jo = Client.objects.get(email="jo.rivers@example.com")
    reminder = FollowUp.objects.get(client=jo, kind=Kind.REMINDER)
    assert reminder.due_at == start - datetime.timedelta(hours=24)

    dispatch.dispatch()
    with time_machine.travel(reminder.due_at, tick=False):
        dispatch.dispatch()
    bodies = [message.body for message in mail.outbox]
    forms = [
        path for body in bodies for path in re.findall(r"http://testserver(/intake/\S+/)", body)
    ]
    assert len(forms) == 2  # the form at booking, and again with the reminder
    for path in forms:  # the reminder's new link leaves the first one working
        assert client.get(path).status_code == 200, path


def test_a_known_client_is_matched_and_nothing_of_theirs_changes(client, open_practice, service):
    known = ClientFactory(
        practice=open_practice,
        first_name="Joanna",
        email="jo.rivers@example.com",
        intake_completed_at=NOW - datetime.timedelta(days=30),
    )
    book_on_the_page(client, open_practice, service, monday((10, 19), 10))
    known.refresh_from_db()
    assert known.first_name == "Joanna"
    assert Client.objects.filter(practice=open_practice).count() == 1
    assert known.appointments.count() == 1
    # Their health form is done: no new one is sent.
    assert not FollowUp.objects.filter(client=known, kind=Kind.INTAKE_LINK).exists()


def test_a_taken_time_says_so_next_to_the_choice_and_keeps_what_was_typed(
    client, open_practice, service, owner
):
    start = monday((10, 19), 10)
    AppointmentFactory(
        client=ClientFactory(practice=open_practice), therapist=owner, service=service, start=start
    )
    page = client.post(details_url(open_practice, service, start), DETAILS)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Sorry, that time was just taken. Here are the next free times." in html
    assert 'value="Rivers"' in html and 'value="jo.rivers@example.com"' in html
    # The next free times to choose from, the first one ready: busy until 11:15 with the
    # rest after the session, so 11:30 (10:30 UTC).
    assert re.search(r'value="2026-10-19T10:30Z"\s+aria-describedby="time-problem"\s+checked', html)
    assert "Monday 19 October at 11:30" in html and "Monday 19 October at 12:00" in html
    assert not Client.objects.filter(email="jo.rivers@example.com").exists()

    again = client.post(
        details_url(open_practice, service, start), {**DETAILS, "start": "2026-10-19T11:00Z"}
    )
    assert again.status_code == 302
    client.post(confirm_link())
    assert Appointment.objects.get(client__email="jo.rivers@example.com").start == monday(
        (10, 19), 12
    )


def test_bad_details_get_their_message_next_to_the_field(client, open_practice, service):
    page = client.post(
        details_url(open_practice, service, monday((10, 19), 10)),
        {**DETAILS, "preferred_channel": "sms", "mobile": "12"},
    )
    html = page.content.decode()
    assert "This does not look like a phone number" in html
    assert 'value="Rivers"' in html
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        "/p/{slug}/book/{service}/details/?at=not-a-time",
        "/p/{slug}/book/{service}/details/?at=2026-10-19T10:00",  # no offset
        "/p/{slug}/book/{service}/details/",
        "/p/{slug}/book/{service}/?from=2026-13-45",
        "/p/no-such-practice/book/",
        "/p/{slug}/book/00000000-0000-0000-0000-000000000000/",
        "/p/{slug}/booked/forged/",
        "/b/not-a-real-token/",
        "/b/not-a-real-token/book/",
    ],
)
def test_garbage_in_a_booking_address_is_404(client, open_practice, service, path):
    url = path.format(slug=open_practice.slug, service=service.public_id)
    assert client.get(url).status_code == 404


def test_the_pages_are_closed_until_the_practice_takes_bookings_online(
    client, open_practice, service
):
    open_practice.online_booking = False
    open_practice.save()
    assert client.get(reverse("booking:start", args=[open_practice.slug])).status_code == 404
    token = booking.issue_link(ClientFactory(practice=open_practice))
    assert client.get(reverse("booking:mine", args=[token])).status_code == 404


def test_a_bot_filling_the_hidden_field_books_nothing(client, open_practice, service):
    client.post(
        details_url(open_practice, service, monday((10, 19), 10)), {**DETAILS, "website": "x"}
    )
    assert Appointment.objects.count() == 0 and Client.objects.count() == 0


def test_bookings_from_one_address_are_rate_limited(
    client, open_practice, service, settings, frozen_clock
):
    settings.BOOKING_FORM_RATE = "2/h"
    url = details_url(open_practice, service, monday((10, 19), 10))
    codes = [
        client.post(url, {**DETAILS, "email": f"p{n}@example.com"}).status_code for n in range(3)
    ]
    assert codes[-1] == 429 and 429 not in codes[:2]


# --- The personal link ----------------------------------------------------------------


@pytest.fixture
def booked(open_practice, service, owner):
    jo = ClientFactory(practice=open_practice, first_name="Jo", email="jo@example.com")
    appointment = booking.book(
        open_practice, service, monday((10, 26), 10), jo, via=Appointment.Via.PRACTICE
    )
    return appointment, booking.issue_link(jo, service)


def test_a_client_moves_their_session_from_their_link(client, booked, open_practice):
    appointment, token = booked
    mine = client.get(reverse("booking:mine", args=[token]))
    move_url = reverse("booking:move", args=[token, appointment.public_id])
    assert move_url in mine.content.decode()

    times = client.get(move_url)
    # Its own time does not block the move: 09:30 overlaps the session being moved.
    assert b"09:30" in times.content

    new_start = monday((11, 2), 11)
    confirm = client.get(f"{move_url}?at=2026-11-02T11:00Z")
    assert b"Monday 2 November at 11:00" in confirm.content
    moved = client.post(move_url, {"start": "2026-11-02T11:00Z"})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == new_start
    reminder = FollowUp.objects.get(appointment=appointment, kind=Kind.REMINDER)
    assert reminder.due_at == new_start - datetime.timedelta(hours=24)
    assert "Moved to Monday 2 November at 11:00." in client.get(moved.url).content.decode()


def test_a_move_to_a_taken_time_offers_the_next_ones(client, booked, open_practice, owner, service):
    appointment, token = booked
    AppointmentFactory(
        client=ClientFactory(practice=open_practice),
        therapist=owner,
        service=service,
        start=monday((11, 2), 11),
    )
    move_url = reverse("booking:move", args=[token, appointment.public_id])
    page = client.post(move_url, {"start": "2026-11-02T11:00Z"})
    assert b"Sorry, that time was just taken" in page.content
    appointment.refresh_from_db()
    assert appointment.start == monday((10, 26), 10)


def test_cancelling_inside_the_notice_is_recorded_as_late(client, booked, open_practice):
    appointment, token = booked
    with time_machine.travel(monday((10, 25), 20), tick=False):  # 14 hours before
        mine = client.get(reverse("booking:mine", args=[token])).content.decode()
        assert "to move it, please call us" in mine
        cancel_url = reverse("booking:cancel", args=[token, appointment.public_id])
        assert b"late cancellation" in client.get(cancel_url).content
        client.post(cancel_url)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.LATE_CANCELLATION


def test_cancelling_in_good_time_is_an_ordinary_cancellation(client, booked):
    appointment, token = booked
    client.post(reverse("booking:cancel", args=[token, appointment.public_id]))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED_CLIENT


def test_a_link_opens_only_its_clients_sessions(client, booked, open_practice):
    appointment, _ = booked
    other = booking.issue_link(ClientFactory(practice=open_practice))
    url = reverse("booking:cancel", args=[other, appointment.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    appointment.refresh_from_db()
    assert appointment.is_booked


def test_an_expired_link_is_404(client, booked):
    _, token = booked
    BookingLink.objects.update(expires_at=NOW - datetime.timedelta(seconds=1))
    assert client.get(reverse("booking:mine", args=[token])).status_code == 404


def test_book_again_opens_the_last_service(client, booked, service):
    appointment, token = booked
    page = client.get(reverse("booking:again", args=[token]))
    assert service.name.encode() in page.content
    confirm = reverse("booking:again_confirm", args=[token, service.public_id])
    done = client.post(confirm, {"start": "2026-11-09T10:00Z"})
    assert done.status_code == 302
    latest = Appointment.objects.order_by("-start").first()
    assert latest.booked_via == Appointment.Via.PERSONAL_LINK
    assert latest.client == appointment.client


# --- Never double-booked --------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an exclusion constraint")
def test_the_database_refuses_an_overlapping_session_of_one_therapist(booked, owner):
    appointment, _ = booked
    clash = Appointment(
        practice=appointment.practice,
        client=appointment.client,
        therapist=owner,
        start=appointment.start + datetime.timedelta(minutes=30),
        duration_minutes=60,
    )
    with pytest.raises(IntegrityError, match="not_double_booked"), transaction.atomic():
        clash.save()


@pytest.mark.parametrize("sessions", [1, 40])
def test_the_free_times_page_runs_a_fixed_number_of_queries(
    client, open_practice, service, owner, sessions, django_assert_max_num_queries
):
    for day in range(sessions):
        start = monday((10, 19), 9) + datetime.timedelta(days=day, hours=day % 4)
        AppointmentFactory(
            client=ClientFactory(practice=open_practice), therapist=owner, start=start
        )
    url = reverse("booking:times", args=[open_practice.slug, service.public_id])
    # The practice and the service, then the hours, the time off and the sessions.
    with django_assert_max_num_queries(5):
        page = client.get(url)
    assert page.status_code == 200 and b"time-choice" in page.content


# --- The waitlist ---------------------------------------------------------------------


def test_a_cancelled_time_goes_to_the_first_on_the_waitlist_who_takes_it(
    client, open_practice, service, owner
):
    def person(name):
        someone = ClientFactory(
            practice=open_practice,
            first_name=name,
            email=f"{name.lower()}@example.com",
            email_consent=True,
        )
        return someone, booking.issue_link(someone, service)

    (ana, ana_link), (ben, ben_link), (cara, cara_link) = map(person, ("Ana", "Ben", "Cara"))
    freed = booking.book(open_practice, service, monday((10, 26), 10), ana, via="practice")
    later = booking.book(open_practice, service, monday((11, 2), 10), ben, via="practice")
    wait = reverse("booking:wait", args=[ben_link, later.public_id])
    assert b"Yes, let me know" in client.get(wait).content
    assert client.post(wait).status_code == 302
    client.post(reverse("booking:wait_any", args=[cara_link, service.public_id]))

    client.post(reverse("booking:cancel", args=[ana_link, freed.public_id]))
    mail.outbox.clear()
    dispatch.dispatch()

    offers = {m.to[0]: m for m in mail.outbox if m.subject.startswith("A time has come free")}
    assert set(offers) == {"ben@example.com", "cara@example.com"}
    assert offers["ben@example.com"].subject == "A time has come free on Monday 26 October at 10:00"
    take = {
        who: re.search(r"http://testserver(/b/\S+)", offer.body).group(1)
        for who, offer in offers.items()
    }
    pages = {who: client.get(link).url for who, link in take.items()}  # where each leads
    assert "/move/" in pages["ben@example.com"] and "/book/" in pages["cara@example.com"]

    path, query = pages["cara@example.com"].split("?at=")
    assert b"Monday 26 October at 10:00" in client.get(pages["cara@example.com"]).content
    assert client.post(path, {"start": query}).status_code == 302  # Cara is first

    path, query = pages["ben@example.com"].split("?at=")
    too_late = client.post(path, {"start": query})
    assert b"Sorry, that time was just taken" in too_late.content
    later.refresh_from_db()
    assert later.start == monday((11, 2), 10)
    assert Appointment.objects.get(client=cara).start == monday((10, 26), 10)
    open_entries = WaitlistEntry.objects.filter(closed_at=None)
    assert [entry.client for entry in open_entries] == [ben]  # still waiting


def test_no_offer_to_who_cancelled_nor_of_a_time_inside_the_notice(open_practice, service):
    ana = ClientFactory(practice=open_practice, email="ana@example.com")
    freed = booking.book(open_practice, service, monday((10, 26), 10), ana, via="practice")
    booking.wait_for_earlier(ana, service)  # she waits too, for another time
    assert booking.waiting_for(freed) == []
    ben = ClientFactory(practice=open_practice)
    booking.wait_for_earlier(ben, service)
    assert [entry.client for entry in booking.waiting_for(freed)] == [ben]
    # Ten hours before it starts, inside the service's 12 hours' notice: nobody could take it.
    assert booking.waiting_for(freed, now=freed.start - datetime.timedelta(hours=10)) == []


# --- Bookings the practice confirms itself ----------------------------------------------


def test_a_held_request_is_acknowledged_then_confirmed_by_the_therapist(
    client, open_practice, service, owner_client
):
    open_practice.confirm_online_bookings = True
    open_practice.save()
    start = monday((10, 26), 10)
    booked = book_on_the_page(client, open_practice, service, start)
    assert b"Your request is in" in booked.content
    held = Appointment.objects.get(client__email="jo.rivers@example.com")
    assert held.awaiting_confirmation
    # The time is held: nobody else can take it.
    assert "10:00" not in times_on(open_practice, service, datetime.date(2026, 10, 26))
    kinds = set(FollowUp.objects.filter(client=held.client).values_list("kind", flat=True))
    assert kinds == {Kind.BOOKING_CONFIRMATION, Kind.INTAKE_LINK}  # no reminder yet

    dispatch.dispatch()
    [ack] = [m for m in mail.outbox if m.subject.startswith("Requested:")]
    assert "The time is held for you" in ack.body and ack.attachments == []
    detail = owner_client.get(reverse("sessions:detail", args=[held.public_id]))
    assert "It is held for them until you confirm it." in detail.content.decode()
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "asked online for Monday 26 Oct, 10:00" in dashboard

    owner_client.post(reverse("sessions:accept", args=[held.public_id]))
    held.refresh_from_db()
    assert not held.awaiting_confirmation
    assert FollowUp.objects.filter(appointment=held, kind=Kind.REMINDER).exists()
    mail.outbox.clear()
    dispatch.dispatch()
    [booked] = [m for m in mail.outbox if m.subject.startswith("Booked:")]
    assert booked.attachments[0][0] == "massage.ics"


def test_a_declined_request_frees_the_time_and_offers_another(
    client, open_practice, service, owner_client
):
    open_practice.confirm_online_bookings = True
    open_practice.save()
    book_on_the_page(client, open_practice, service, monday((10, 26), 10))
    held = Appointment.objects.get(client__email="jo.rivers@example.com")
    held.client.email_consent = True
    held.client.save()

    owner_client.post(reverse("sessions:decline", args=[held.public_id]))
    held.refresh_from_db()
    assert held.status == Appointment.Status.CANCELLED_PRACTICE
    assert "10:00" in times_on(open_practice, service, datetime.date(2026, 10, 26))
    mail.outbox.clear()
    dispatch.dispatch()
    subjects = [m.subject for m in mail.outbox]
    assert "We cannot see you on Monday 26 October at 10:00 after all" in subjects
    assert not [s for s in subjects if "missed you" in s or s.startswith("Shall we")]
    declined = next(m for m in mail.outbox if m.subject.startswith("We cannot"))
    path = re.search(r"http://testserver(/b/\S+/book/)", declined.body).group(1)
    assert client.get(path).status_code == 200
