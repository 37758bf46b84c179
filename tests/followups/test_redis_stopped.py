"""Redis is a doorbell and a cache, never a requirement for saving: with a real Redis
stopped, booking, completing and cancelling through the pages all work, every message is
planned, and everything goes out once Redis is back."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from followups import dispatch
from followups.models import FollowUp, Kind
from practice.celery import app
from sessions.models import Appointment

from ..factories import ClientFactory, ServiceFactory
from ..support.processes import REDIS_SERVER, OwnRedis

pytestmark = pytest.mark.skipif(not REDIS_SERVER, reason="needs redis-server")


@pytest.fixture
def redis_of_our_own(settings):
    """Cache and broker on our own Redis, as in production; stopped by the test."""
    redis = OwnRedis()
    redis.start()
    settings.CACHES = {"default": {"BACKEND": settings.REDIS_CACHE_BACKEND, "LOCATION": redis.url}}
    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url, app.conf.broker_transport_options = redis.url, {}
    app.conf.broker_connection_timeout = 1
    app._pool = None
    app.amqp._producer_pool = None
    yield redis
    if redis.process.poll() is None:
        redis.stop()
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool = None
    app.amqp._producer_pool = None
    caches["default"].close()


@pytest.fixture
def client_ok(practice):
    return ClientFactory(practice=practice, email_consent=True, preferred_channel="email")


def test_booking_completing_and_cancelling_work_with_redis_stopped(
    owner_client, practice, client_ok, redis_of_our_own
):
    service = ServiceFactory(practice=practice)
    owner_client.get(reverse("dashboard"))  # the figures are now kept in Redis
    redis_of_our_own.stop()

    start = timezone.localtime() + datetime.timedelta(days=3)
    booked = owner_client.post(
        reverse("sessions:create"),
        {
            "client": client_ok.pk,
            "service": service.pk,
            "start": start.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert booked.status_code == 302, booked.content.decode()[-3000:]
    later = Appointment.objects.get(start__date=start.date())
    assert FollowUp.objects.filter(appointment=later, kind=Kind.REMINDER).exists()

    today = Appointment.objects.create(
        practice=practice,
        client=client_ok,
        start=timezone.now() - datetime.timedelta(hours=2),
        duration_minutes=60,
        price=60,
    )
    completed = owner_client.post(
        reverse("sessions:status", args=[today.public_id]), {"action": "complete"}
    )
    cancelled = owner_client.post(
        reverse("sessions:status", args=[later.public_id]), {"action": "cancel_client"}
    )

    assert (completed.status_code, cancelled.status_code) == (302, 302)
    today.refresh_from_db()
    later.refresh_from_db()
    assert today.status == Appointment.Status.COMPLETED
    assert later.status == Appointment.Status.CANCELLED_CLIENT
    assert FollowUp.objects.filter(appointment=today, kind=Kind.CHECKIN).exists()
    assert FollowUp.objects.filter(appointment=later, kind=Kind.CANCELLATION).count() == 3
    assert owner_client.get(reverse("dashboard")).status_code == 200

    planned = FollowUp.objects.filter(appointment__in=[today, later])
    assert {f.status for f in planned.exclude(kind=Kind.REMINDER)} == {FollowUp.Status.SCHEDULED}

    redis_of_our_own.start()  # back: the minute tick sends what is due, from the database
    first = FollowUp.objects.get(appointment=later, kind=Kind.CANCELLATION, step=0)
    checkin = FollowUp.objects.get(appointment=today, kind=Kind.CHECKIN)
    for followup in (first, checkin):
        with time_machine.travel(followup.due_at + datetime.timedelta(minutes=1), tick=False):
            dispatch.dispatch()
        followup.refresh_from_db()
        assert followup.status == FollowUp.Status.SENT
    assert len(mail.outbox) == 2
