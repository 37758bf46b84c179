"""A practice open for booking online (the booking tests' own), and one that takes payments
online through Stripe: its keys, and a stand-in for Stripe's API on a local port."""

from decimal import Decimal

import pytest

from practice.payments.models import StripeAccount

from ..sessions.conftest import open_practice, service  # noqa: F401 (fixtures)
from ..support.fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_practice"


@pytest.fixture
def fake_stripe(settings):
    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.base
        yield fake


@pytest.fixture
def stripe_practice(open_practice, fake_stripe):  # noqa: F811
    StripeAccount.objects.create(
        practice=open_practice,
        secret_key="sk_test_practice",
        webhook_secret=WEBHOOK_SECRET,
        ask=StripeAccount.Ask.DEPOSIT,
        deposit=Decimal("20.00"),
        save_cards=True,
    )
    return open_practice
