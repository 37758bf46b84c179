"""The broker only rings the bell: with it down, planned rows wait and go out later."""

import datetime

import pytest
from django.core import mail

from followups import dispatch
from followups.models import FollowUp, Kind
from followups.planning import plan
from practice.celery import app

from ..factories import ClientFactory


@pytest.fixture
def broker_down():
    """Point Celery at a port where nothing listens, then put it back."""
    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url, app.conf.broker_transport_options = "redis://127.0.0.1:1/0", {}
    app.conf.broker_connection_timeout = 1
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool = None
    app.amqp._producer_pool = None


def test_planning_with_the_broker_down_loses_nothing(
    practice, broker_down, django_capture_on_commit_callbacks, caplog
):
    client = ClientFactory(practice=practice, email_consent=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        followup = plan(
            practice,
            Kind.COMPLAINT,
            key="c:1",
            due_at=client.created_at,
            expires_at=client.created_at + datetime.timedelta(days=3),
            client=client,
        )

    assert len(callbacks) == 1  # the ring was tried, failed quietly, and nothing broke
    assert "Could not reach the broker" in caplog.text
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.SCHEDULED

    # The broker is back (or the beat tick runs): the row goes out.
    assert dispatch.dispatch() == 1
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.SENT
    assert len(mail.outbox) == 1
