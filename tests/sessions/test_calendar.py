import datetime

import icalendar
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from practice.models import Membership
from sessions.models import Appointment, CalendarFeed

from ..factories import AppointmentFactory, ClientFactory, ServiceFactory


def new_feed_url(owner_client):
    owner_client.post(reverse("sessions:calendar_issue"))
    return owner_client.get(reverse("sessions:calendar")).context["url"]


def test_the_feed_lists_sessions_without_health_data(owner_client, client, practice):
    robin = ClientFactory(
        practice=practice,
        first_name="Robin",
        last_name="Hale",
        red_flags=["pregnancy"],
        has_red_flags=True,
        private_notes="Secret note",
        allergies="Latex",
    )
    start = timezone.now() + datetime.timedelta(days=2)
    AppointmentFactory(
        client=robin, start=start, service=ServiceFactory(practice=practice, name="Deep 60")
    )
    AppointmentFactory(client=robin, start=start, status=Appointment.Status.CANCELLED_CLIENT)
    url = new_feed_url(owner_client)

    response = client.get(url)  # a phone calendar has no session cookie

    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Robin H. · Deep 60"]
    assert events[0].decoded("dtstart") == start.replace(microsecond=0)
    body = response.content.decode()
    for secret in ("Hale", "Pregnan", "Secret note", "Latex", robin.email):
        assert secret not in body


def test_a_new_address_turns_the_old_one_off(owner_client, client):
    old = new_feed_url(owner_client)
    new = new_feed_url(owner_client)

    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_a_turned_off_address_is_not_found(owner_client, client):
    url = new_feed_url(owner_client)
    owner_client.post(reverse("sessions:calendar_revoke"))

    assert client.get(url).status_code == 404


def test_the_address_is_shown_only_once(owner_client):
    assert new_feed_url(owner_client)
    assert owner_client.get(reverse("sessions:calendar")).context["url"] is None


def test_a_removed_member_s_feed_stops_at_once(owner_client, client, assistant, practice):
    theirs = Client()
    theirs.force_login(assistant)
    url = new_feed_url(theirs)
    assert client.get(url).status_code == 200
    membership = Membership.objects.get(user=assistant, practice=practice)

    owner_client.post(reverse("practice:member_remove", args=[membership.public_id]))

    assert client.get(url).status_code == 404
    assert CalendarFeed.objects.get(user=assistant).revoked_at is not None


def test_a_feed_whose_owner_is_no_member_is_not_found(owner_client, client, owner, practice):
    """Even a feed left unrevoked (removed in the admin, say) stops with the membership."""
    url = new_feed_url(owner_client)
    Membership.objects.filter(user=owner, practice=practice).delete()

    assert client.get(url).status_code == 404
