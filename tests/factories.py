"""factory_boy factories for every app's models."""

import factory
from django.contrib.auth.hashers import make_password

from practice.models import Membership, Practice, User

PASSWORD = "correct-horse-battery-staple"
# Hashing once keeps the suite fast; every user signs in with PASSWORD.
_PASSWORD_HASH = make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = _PASSWORD_HASH


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    time_zone = "Europe/London"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    practice = factory.SubFactory(PracticeFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.OWNER
