"""factory_boy factories for every app's models."""

import datetime
import hashlib

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from clients.models import (
    Client,
    IntakeFormVersion,
    IntakeLink,
    IntakeQuestion,
    IntakeSubmission,
    hash_token,
)
from complaints.models import Complaint, Incident, IncidentReport
from followups.models import CheckIn, FollowUp, Kind
from practice.models import Membership, Practice, User
from sessions.models import Appointment, NoteArea, Service, SessionNote, WorkingHours

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


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"client{n}@example.com")


class IntakeLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeLink

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    token_hash = factory.Sequence(lambda n: hash_token(f"token-{n}"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=14))

    @classmethod
    def with_token(cls, practice, **kwargs):
        """A link for a new client of `practice`, and its token."""
        token = f"tok-{cls._meta.next_sequence()}-{'x' * 20}"
        link = cls(client__practice=practice, token_hash=hash_token(token), **kwargs)
        return link, token


class IntakeSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeSubmission

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    version = factory.Sequence(lambda n: n + 1)
    via = IntakeSubmission.Via.LINK
    answers = factory.LazyAttribute(
        lambda o: {"first_name": o.client.first_name, "last_name": o.client.last_name}
    )
    signed_name = factory.LazyAttribute(lambda o: o.client.full_name)
    nonce = factory.Sequence(lambda n: f"nonce-{n}")
    # Every submission answers a published form: the practice's current one.
    form_version = factory.LazyAttribute(lambda o: IntakeFormVersion.current(o.practice))


class IntakeQuestionFactory(factory.django.DjangoModelFactory):
    """One of the practice's own intake questions, in its draft."""

    class Meta:
        model = IntakeQuestion

    practice = factory.SubFactory(PracticeFactory)
    section = "Your training"
    position = factory.Sequence(lambda n: n + 1)
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = "short_text"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Massage {n}")
    duration_minutes = 60
    price = 60


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    duration_minutes = 60
    price = 60


class SessionNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionNote

    appointment = factory.SubFactory(AppointmentFactory, status=Appointment.Status.COMPLETED)
    practice = factory.SelfAttribute("appointment.practice")
    client = factory.SelfAttribute("appointment.client")
    subjective = "Low back tight after running."
    consent_confirmed = True


class NoteAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoteArea

    note = factory.SubFactory(SessionNoteFactory)
    practice = factory.SelfAttribute("note.practice")
    region = "lower_back"
    side = "both"
    aspect = "back"
    pressure = 3
    max_pain = 4


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    kind = Kind.CHECKIN
    channel = "email"
    due_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.due_at + timezone.timedelta(days=2))
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    appointment = factory.SubFactory(AppointmentFactory, status=Appointment.Status.COMPLETED)
    practice = factory.SelfAttribute("appointment.practice")
    client = factory.SelfAttribute("appointment.client")
    token_hash = factory.Sequence(lambda n: hash_token(f"checkin-{n}"))

    @classmethod
    def with_token(cls, practice, **kwargs):
        token = f"chk-{cls._meta.next_sequence()}-{'y' * 20}"
        return cls(
            appointment__client__practice=practice, token_hash=hash_token(token), **kwargs
        ), token


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    received_via = Complaint.Via.PHONE
    category = Complaint.Category.PRESSURE
    client_words = "The pressure was far too hard on my shoulders."


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    symptoms = "Sharp lower back pain the evening after the session."


class IncidentReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentReport

    incident = factory.SubFactory(IncidentFactory)
    practice = factory.SelfAttribute("incident.practice")
    pdf = b"%PDF-1.7 stored copy"
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.pdf).hexdigest())


def working_every_day(practice, therapist, starts=9, ends=17):
    """The therapist works every day of the week from `starts` to `ends` o'clock."""
    for weekday in range(7):
        WorkingHours.objects.get_or_create(
            practice=practice,
            therapist=therapist,
            weekday=weekday,
            defaults={"starts": datetime.time(starts), "ends": datetime.time(ends)},
        )
