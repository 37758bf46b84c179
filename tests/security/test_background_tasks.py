"""Background jobs: each re-loads its rows inside their own practice, and no job carries
health details or note text in its arguments.

A worker starts with no practice in scope. Every task below runs here with scoping
switched on and either no practice at all (as in a fresh worker) or another practice
left over, so a task that forgets to open its row's own scope fails with ScopeError or
touches the wrong practice.
"""

import datetime
import io

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader

from clients import erasure
from clients.models import Client
from complaints.models import IncidentReport
from followups import dispatch
from followups.models import FollowUp
from practice.celery import app
from practice.models import Backup, Heartbeat, Practitioner
from sessions.models import BookingHold

from ..factories import (
    AppointmentFactory,
    CheckInFactory,
    ClientFactory,
    FollowUpFactory,
    IncidentReportFactory,
    PracticeFactory,
    ServiceFactory,
)

HEALTH = "Tingling-in-the-left-hand-since-spring"
OUR_APPS = ("clients.", "sessions.", "complaints.", "followups.", "practice.")


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def our_tasks():
    app.loader.import_default_modules()  # what a worker imports when it starts
    return {name: task for name, task in app.tasks.items() if name.startswith(OUR_APPS)}


def send_report_case(practice):
    report = IncidentReportFactory(
        incident__client__practice=practice, sent_to="claims@insurer.example"
    )

    def check():
        dispatch.dispatch()  # the task gives the report its outbox row; the tick sends it
        assert IncidentReport.objects.get(pk=report.pk).status == IncidentReport.Status.SENT
        assert mail.outbox[-1].to == ["claims@insurer.example"]

    return (report.pk,), check


def send_waiting_reports_case(practice):
    report = IncidentReportFactory(
        incident__client__practice=practice, sent_to="claims@insurer.example"
    )
    IncidentReport.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=30)
    )

    def check():
        dispatch.dispatch()
        assert IncidentReport.objects.get(pk=report.pk).status == IncidentReport.Status.SENT

    return (), check


def purge_erased_case(practice):
    gone = ClientFactory(practice=practice)
    erasure.erase_client(gone)
    Client.objects.filter(pk=gone.pk).update(retain_until=datetime.date(2020, 1, 1))

    def check():
        assert not Client.objects.filter(pk=gone.pk).exists()

    return (), check


def forget_old_holds_case(practice):
    service = ServiceFactory(practice=practice)
    old = timezone.now() - datetime.timedelta(days=2)
    hold = BookingHold(
        practice=practice,
        service=service,
        start=old + datetime.timedelta(days=1),
        first_name="Sam",
        last_name="Typed",
        email="sam@example.com",
        channel="email",
        created_at=old,
        expires_at=old + datetime.timedelta(minutes=30),
    )
    hold.set_busy()
    hold.save()

    def check():
        assert not BookingHold.objects.filter(pk=hold.pk).exists()

    return (), check


def dispatch_due_case(practice):
    followup = FollowUpFactory(client__practice=practice, client__email_consent=True)

    def check():
        assert FollowUp.objects.get(pk=followup.pk).status == FollowUp.Status.SENT

    return (), check


def plan_daily_case(practice):
    practice.insurance_expires_on = timezone.localdate() + datetime.timedelta(days=7)
    practice.save()

    def check():
        assert FollowUp.objects.filter(practice=practice, kind="insurance").exists()

    return (), check


def heartbeat_case(practice):
    def check():  # no practice data: it only proves the worker is alive
        assert Heartbeat.objects.exists()

    return (), check


def referral_list_case(practice):
    Practitioner.objects.create(practice=practice, name="Noor Haddad", profession="massage")
    Practitioner.objects.create(
        practice=PracticeFactory(), name="Somebody Elsewhere", profession="massage"
    )

    def check():
        dispatch.dispatch()  # the task plans an outbox row; the dispatcher sends it
        [attachment] = mail.outbox[-1].attachments
        reader = PdfReader(io.BytesIO(attachment[1]))
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert "Noor Haddad" in text and "Somebody Elsewhere" not in text

    return (practice.pk, "someone@example.com", ""), check


def take_backup_case(practice):
    """Off where no key is set (the backup itself: tests/practice/test_restore_drill.py)."""

    def check():
        assert not Backup.objects.exists()

    return (), check


# Every task of ours, with a function that makes its work in one practice and returns
# (arguments, check). A new task must be added here.
CASES = {
    "complaints.tasks.send_report": send_report_case,
    "complaints.tasks.send_waiting_reports": send_waiting_reports_case,
    "clients.tasks.purge_erased": purge_erased_case,
    "sessions.tasks.forget_old_holds": forget_old_holds_case,
    "followups.tasks.dispatch_due": dispatch_due_case,
    "followups.tasks.plan_daily": plan_daily_case,
    "practice.tasks.record_heartbeat": heartbeat_case,
    "practice.tasks.send_referral_list": referral_list_case,
    "practice.tasks.take_backup": take_backup_case,
}


def test_every_task_is_in_the_sweep():
    assert set(our_tasks()) == set(CASES), "add new tasks to CASES in this module"


@pytest.mark.parametrize("leftover", ["no practice", "another practice"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_task_works_inside_its_rows_own_practice(name, leftover, eager, practice):
    target = PracticeFactory(name="Practice the row belongs to")
    args, check = CASES[name](target)
    scope_left_behind = {} if leftover == "no practice" else {"practice": practice}

    with scope(**scope_left_behind):
        our_tasks()[name].apply(args=args, throw=True)

    check()


def test_task_arguments_never_carry_health_details(
    client, owner_client, practice, eager, django_capture_on_commit_callbacks
):
    """Walk the paths that queue work, with health text typed everywhere, and read what
    every queued task was given."""
    given = []

    def remember(task=None, args=None, kwargs=None, **extra):
        given.append((task.name, repr(args), repr(kwargs)))

    task_prerun.connect(remember, weak=False)
    with django_capture_on_commit_callbacks(execute=True):
        checkin, token = CheckInFactory.with_token(practice)
        client.post(reverse("checkin_reply", args=[token]), {"answer": "worse", "comment": HEALTH})

        incident = checkin.client.incidents.get()
        incident.symptoms = HEALTH
        incident.save()
        owner_client.post(
            reverse("complaints:report_send", args=[incident.public_id]),
            {"to": "claims@insurer.example", "cover_message": HEALTH},
        )

        appointment = AppointmentFactory(client__practice=practice, client__email_consent=True)
        owner_client.post(
            reverse("sessions:status", args=[appointment.public_id]),
            {"action": "cancel_client", "reason": HEALTH},
        )
    task_prerun.disconnect(remember)

    names = {name for name, _, _ in given}
    assert FollowUp.objects.filter(kind="insurer_report").exists()  # the report went out
    assert "followups.tasks.dispatch_due" in names
    assert not [call for call in given if HEALTH in call[1] or HEALTH in call[2]]
