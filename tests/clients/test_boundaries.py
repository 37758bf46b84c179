import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import AppointmentFactory, ClientFactory


@pytest.fixture
def robin(practice):
    return ClientFactory(practice=practice, first_name="Robin", status="active")


def test_boundary_counts_cover_the_last_twelve_months(owner_client, robin, practice):
    now = timezone.now()
    for minutes in (20, 35, 30):
        AppointmentFactory(
            client=robin,
            start=now - datetime.timedelta(days=10),
            status="completed",
            minutes_late=minutes,
        )
    AppointmentFactory(
        client=robin, start=now - datetime.timedelta(days=400), status="completed", minutes_late=50
    )  # too long ago
    AppointmentFactory(client=robin, start=now - datetime.timedelta(days=20), status="no_show")
    AppointmentFactory(
        client=robin, start=now - datetime.timedelta(days=30), status="late_cancellation"
    )
    AppointmentFactory(
        client=robin, start=now - datetime.timedelta(days=40), status="completed", unpaid=True
    )

    page = owner_client.get(reverse("clients:detail", args=[robin.public_id]))

    assert page.context["boundaries"] == [
        ("3 late arrivals (85 min in all)", True),
        ("1 no-show", False),
        ("1 late cancellation", False),
        ("1 unpaid session", True),
    ]
    listing = owner_client.get(reverse("clients:list"))
    assert "3 late arrivals (85 min in all)" in listing.content.decode()
