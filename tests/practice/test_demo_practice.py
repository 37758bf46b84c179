import pytest
from django.core.management import CommandError, call_command

from practice.management.commands.demo_practice import DEMO_EMAIL, DEMO_PASSWORD
from practice.models import Membership, Practice, User


def test_it_creates_the_demo_login_once(db, settings):
    settings.DEBUG = True

    call_command("demo_practice")
    call_command("demo_practice")

    user = User.objects.get(email=DEMO_EMAIL)
    assert user.check_password(DEMO_PASSWORD)
    assert Practice.objects.count() == 1
    assert Membership.objects.get(user=user).role == Membership.Role.OWNER


def test_it_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("demo_practice")
    assert not User.objects.exists()
