"""Shared fixtures: a practice with an owner and an assistant, and an outsider who owns
another practice. Every view test checks what each of them gets."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django_scopes import scopes_disabled

from practice.models import Membership

from .factories import MembershipFactory, PracticeFactory


@pytest.fixture(autouse=True)
def _test_code_sees_all_practices():
    """Test code reads any practice's rows; requests still run in their own scope,
    because the middleware opens one for every request."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing cached (rate limits, dashboard figures)."""
    cache.clear()


@pytest.fixture
def frozen_clock():
    """For tests that count within a time window (rate limits, lock-outs): the clock stands
    still, so no run crosses a window's edge however slow the machine is. `.shift(seconds)`
    moves it on."""
    moment = datetime.datetime(2026, 11, 23, 12, 0, 30, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


@pytest.fixture
def practice(db):
    return PracticeFactory(name="Calm Hands")


@pytest.fixture
def owner(practice):
    return MembershipFactory(practice=practice, role=Membership.Role.OWNER).user


@pytest.fixture
def assistant(practice):
    return MembershipFactory(practice=practice, role=Membership.Role.ASSISTANT).user


@pytest.fixture
def other_practice(db):
    return PracticeFactory(name="Elsewhere Bodywork")


@pytest.fixture
def outsider(other_practice):
    """The owner of another practice: must never see anything of `practice`."""
    return MembershipFactory(practice=other_practice, role=Membership.Role.OWNER).user


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def assistant_client(client, assistant):
    client.force_login(assistant)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client
