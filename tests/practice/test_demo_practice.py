import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from clients.models import Client
from practice.models import Membership, Practice, User
from practice.tooling.management.commands.demo_practice import (
    DEMO_CLIENTS,
    DEMO_EMAIL,
    DEMO_PASSWORD,
)
from sessions.models import SessionNote, WorkingHours


def test_it_creates_the_demo_login_once(db, settings):
    settings.DEBUG = True

    with scope():  # as `make run` runs it: no practice in scope, so a query must name one
        call_command("demo_practice")
    call_command("demo_practice")

    user = User.objects.get(email=DEMO_EMAIL)
    assert user.check_password(DEMO_PASSWORD)
    assert Practice.objects.count() == 1
    assert Membership.objects.get(user=user).role == Membership.Role.OWNER
    practice = Practice.objects.get()
    assert Client.objects.filter(practice=practice).count() == DEMO_CLIENTS  # once, not twice
    assert SessionNote.objects.filter(practice=practice, signed_at__isnull=False).exists()
    assert practice.online_booking  # its booking page opens, on its weekday hours
    assert WorkingHours.objects.filter(practice=practice).count() == 5


def test_it_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("demo_practice")
    assert not User.objects.exists()
