"""The tenancy sweep: every URL that names an object is tried by someone from another
practice, who must get 404, and by an anonymous visitor, who must be sent to sign in.

Adding a URL with an argument? Tell the sweep how to make an object for it in
OBJECT_URLS (or, for the admin, MODEL_OBJECTS), or say in NOT_PRACTICE_OBJECTS why its
argument is not a practice's object. An unknown URL fails the sweep.
"""

import datetime
import secrets
from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from clients.models import (
    Agreement,
    ConsentEvent,
    HealthCheck,
    IntakeFormVersion,
    IntakeLink,
    IntakeSubmission,
    MoveOn,
    Referral,
    hash_token,
)
from clients.models import Client as ClientRecord
from complaints.models import Complaint, ComplaintStep, Incident, IncidentReport
from followups.models import Attempt, CheckIn, FollowUp, Rule
from followups.wording import unsubscribe_token
from practice.models import AuditEvent, Invitation, Membership, Practice, Practitioner, User
from practice.payments.models import Checkout, Fee, Payment, StripeAccount
from practice.payments.services import record_payment, sell_package
from practice.tenant_model import TenantModel
from sessions import availability, booking, booking_views
from sessions.calendar import issue_feed
from sessions.models import (
    Appointment,
    NoteAmendment,
    Service,
    SessionNote,
    Technique,
    TimeOff,
)

from .factories import (
    AppointmentFactory,
    CheckInFactory,
    ClientFactory,
    ComplaintFactory,
    FollowUpFactory,
    IncidentFactory,
    IncidentReportFactory,
    IntakeLinkFactory,
    IntakeQuestionFactory,
    IntakeSubmissionFactory,
    MembershipFactory,
    PracticeFactory,
    ServiceFactory,
    SessionNoteFactory,
    working_every_day,
)


def client_of(practice):
    return ClientFactory(practice=practice)


def client_and(related):
    """kwargs for a URL of a client's related object (link, submission)."""

    def make(practice):
        client = client_of(practice)
        return {"public_id": client.public_id, **related(client)}

    return make


# URL name -> function(practice) returning the URL's kwargs for an object of `practice`.
OBJECT_URLS = {
    "practice:switch": lambda practice: {"public_id": practice.public_id},
    "practice:unlock": lambda practice: {
        "public_id": MembershipFactory(practice=practice).public_id
    },
    "clients:detail": lambda practice: {"public_id": client_of(practice).public_id},
    "clients:edit": lambda practice: {"public_id": client_of(practice).public_id},
    "clients:export": lambda practice: {"public_id": client_of(practice).public_id},
    "clients:link_create": lambda practice: {"public_id": client_of(practice).public_id},
    "clients:link_show": lambda practice: {"public_id": client_of(practice).public_id},
    "clients:link_revoke": client_and(
        lambda client: {"link_id": IntakeLinkFactory(client=client).public_id}
    ),
    "clients:submission": client_and(
        lambda client: {"submission_id": IntakeSubmissionFactory(client=client).public_id}
    ),
    "clients:submission_review": client_and(
        lambda client: {
            "submission_id": IntakeSubmissionFactory(client=client, needs_review=True).public_id
        }
    ),
    "intake_form:edit": lambda practice: {"question_id": question_of(practice).public_id},
    "intake_form:move": lambda practice: {
        "question_id": question_of(practice).public_id,
        "direction": "up",
    },
    "intake_form:remove": lambda practice: {"question_id": question_of(practice).public_id},
    "intake_form:agreement_edit": lambda practice: {"agreement_id": agreement_of(practice)},
    "intake_form:agreement_remove": lambda practice: {"agreement_id": agreement_of(practice)},
}


def agreement_of(practice):
    """One of the practice's own agreements (a new practice has its standard ones)."""
    with scopes_disabled():
        return Agreement.objects.filter(practice=practice).last().public_id


def question_of(practice):
    return IntakeQuestionFactory(practice=practice)


def appointment_of(practice):
    return {"public_id": AppointmentFactory(client__practice=practice).public_id}


def noted_appointment_of(practice):
    note = SessionNoteFactory(appointment__client__practice=practice)
    return {"public_id": note.appointment.public_id}


OBJECT_URLS |= {
    "sessions:note_template": lambda practice: {
        "public_id": ServiceFactory(practice=practice).public_id
    },
    "sessions:detail": appointment_of,
    "sessions:reschedule": appointment_of,
    "sessions:status": appointment_of,
    "sessions:paid": appointment_of,
    "sessions:accept": lambda practice: {
        "public_id": AppointmentFactory(
            client__practice=practice, awaiting_confirmation=True
        ).public_id
    },
    "sessions:decline": lambda practice: {
        "public_id": AppointmentFactory(
            client__practice=practice, awaiting_confirmation=True
        ).public_id
    },
    "sessions:note": noted_appointment_of,
    "sessions:note_sign": noted_appointment_of,
    "sessions:note_amend": noted_appointment_of,
    "sessions:time_off_remove": lambda practice: {
        "public_id": TimeOff.objects.create(
            practice=practice,
            starts_at=timezone.now(),
            ends_at=timezone.now() + datetime.timedelta(hours=3),
        ).public_id
    },
}


OBJECT_URLS |= {
    "followups:done": lambda practice: {
        "public_id": FollowUpFactory(client__practice=practice, channel="task").public_id
    },
    "followups:retry": lambda practice: {
        "public_id": FollowUpFactory(client__practice=practice, status="failed").public_id
    },
    "followups:send_anyway": lambda practice: {
        "public_id": FollowUpFactory(
            client__practice=practice, status="skipped", skip_reason="too late to be useful: x"
        ).public_id
    },
    "followups:send_intake": lambda practice: {"public_id": client_of(practice).public_id},
    "followups:checkin_seen": lambda practice: {
        "public_id": CheckInFactory(appointment__client__practice=practice).public_id
    },
}


def complaint_of(practice):
    return {"public_id": ComplaintFactory(client__practice=practice).public_id}


def incident_of(practice):
    return {"public_id": IncidentFactory(client__practice=practice).public_id}


def report_of(practice, **fields):
    return {
        "public_id": IncidentReportFactory(incident__client__practice=practice, **fields).public_id
    }


OBJECT_URLS |= {
    "complaints:detail": complaint_of,
    "complaints:step": complaint_of,
    "complaints:incident": incident_of,
    "complaints:incident_sign": incident_of,
    "complaints:report_preview": incident_of,
    "complaints:report_send": incident_of,
    "complaints:incident_reports": incident_of,
    "complaints:report": report_of,
    "complaints:report_resend": lambda practice: report_of(practice, status="failed"),
}


def receipt_of(practice):
    client = client_of(practice)
    session = AppointmentFactory(
        client=client, status=Appointment.Status.COMPLETED, unpaid=True, price=50
    )
    _payment, receipt = record_payment(
        client, by=None, amounts={session: session.price}, method="cash"
    )
    return {"public_id": receipt.public_id}


def own_receipt_cases(practice):
    """A client's link and a receipt of theirs; the wrong case: the same link asking for a
    receipt of another client of the practice."""
    token, appointment = link_and_session(practice)
    mine = receipt_of(practice)["public_id"]
    appointment.status, appointment.unpaid = Appointment.Status.COMPLETED, True
    appointment.save()
    _payment, receipt = record_payment(
        appointment.client, by=None, amounts={appointment: appointment.price}, method="cash"
    )
    return {"token": token, "public_id": receipt.public_id}, {"token": token, "public_id": mine}


OBJECT_URLS |= {
    "payments:client": lambda practice: {"public_id": client_of(practice).public_id},
    "payments:refund": lambda practice: {"public_id": client_of(practice).public_id},
    "payments:remind": lambda practice: {"public_id": client_of(practice).public_id},
    "payments:statement": lambda practice: {"public_id": client_of(practice).public_id},
    "payments:package_sell": lambda practice: {"public_id": client_of(practice).public_id},
    "payments:package_use": lambda practice: {
        "public_id": sell_package(
            client_of(practice), by=None, service=None, sessions=3, price=150, method="cash"
        )[0].public_id
    },
    "payments:receipt": receipt_of,
    "payments:receipt_cancel": receipt_of,
    "payments:fee_waive": lambda practice: {
        "public_id": Fee.objects.create(
            practice=practice,
            appointment=AppointmentFactory(
                client=client_of(practice), status=Appointment.Status.NO_SHOW, unpaid=True
            ),
            kind=Fee.Kind.NO_SHOW,
            amount=30,
        ).public_id
    },
}


def a_fee(practice):
    return Fee.objects.create(
        practice=practice,
        appointment=AppointmentFactory(
            client=client_of(practice), status=Appointment.Status.NO_SHOW, unpaid=True
        ),
        kind=Fee.Kind.NO_SHOW,
        amount=30,
    )


OBJECT_URLS["payments:fee_charge"] = lambda practice: {"public_id": a_fee(practice).public_id}


def move_on_of(practice):
    client = ClientFactory(practice=practice)
    record = MoveOn.objects.create(
        practice=practice, client=client, reason="needs", method="refer", message="Bye"
    )
    return {"public_id": client.public_id, "move_id": record.public_id}


def invitation_of(practice):
    return Invitation.objects.create(
        practice=practice,
        email="new.person@example.com",
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )


def invitation_token(practice):
    token = "sweep-invitation-" + secrets.token_urlsafe(16)
    invitation = invitation_of(practice)
    invitation.token_hash = hash_token(token)
    invitation.save()
    return token


OBJECT_URLS |= {
    "practice:invitation_withdraw": lambda practice: {
        "public_id": invitation_of(practice).public_id
    },
    "practice:member_role": lambda practice: {
        "public_id": MembershipFactory(practice=practice).public_id
    },
    "practice:member_remove": lambda practice: {
        "public_id": MembershipFactory(practice=practice).public_id
    },
    "moving_on:move_on": lambda practice: {"public_id": client_of(practice).public_id},
    "moving_on:undo": move_on_of,
    "moving_on:refer": lambda practice: {"public_id": client_of(practice).public_id},
    "clients:erase": lambda practice: {"public_id": client_of(practice).public_id},
    "practice:practitioner_edit": lambda practice: {
        "public_id": Practitioner.objects.create(
            practice=practice, name="Sam Physio", profession="physio"
        ).public_id
    },
}


def calendar_token(practice):
    user = MembershipFactory(practice=practice).user
    return issue_feed(practice, user)


# Public pages opened without an account: URL name -> (kwargs that work, kwargs that must
# not). Their secret or slug is the key; a wrong one must look like a missing page.
PUBLIC_URLS = {
    "intake:link": lambda practice: (
        {"token": IntakeLinkFactory.with_token(practice)[1]},
        {"token": "not-a-real-token-" + "x" * 26},
    ),
    "intake:check": lambda practice: (
        {"token": IntakeLinkFactory.with_token(practice)[1]},
        {"token": "not-a-real-token-" + "c" * 26},
    ),
    "intake:public": lambda practice: ({"slug": practice.slug}, {"slug": "no-such-practice"}),
    "intake:thanks": lambda practice: ({"slug": practice.slug}, {"slug": "no-such-practice"}),
    "calendar_feed": lambda practice: ({"token": calendar_token(practice)}, {"token": "x" * 43}),
    "checkin_reply": lambda practice: (
        {"token": CheckInFactory.with_token(practice)[1]},
        {"token": "z" * 32},
    ),
    "invitation": lambda practice: (
        {"token": invitation_token(practice)},
        {"token": "not-a-real-invitation-" + "y" * 22},
    ),
    "unsubscribe": lambda practice: (
        {"token": unsubscribe_token(client_of(practice), "email")},
        {"token": "not-signed-by-us"},
    ),
}


def booking_practice(practice):
    """The practice, taking bookings online on Mondays, with one service to book."""
    practice.online_booking = True
    practice.save()
    owner = MembershipFactory(practice=practice, role="owner").user
    working_every_day(practice, owner)
    service = ServiceFactory(practice=practice, min_notice_hours=0, horizon_days=7)
    return practice, service


def a_free_time(practice, service):
    slot = availability.next_free(practice, service, count=1)[0]
    return slot.start.strftime("%Y-%m-%dT%H:%MZ")


def link_and_session(practice):
    """A personal link and a session of its client a week ahead."""
    practice, service = booking_practice(practice)
    client = client_of(practice)
    token = booking.issue_link(client, service)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=6)
    appointment = AppointmentFactory(client=client, service=service, start=start)
    return token, appointment


def someone_elses_session(practice):
    """A session of another practice's client."""
    return AppointmentFactory(client__practice=PracticeFactory(name="Other")).public_id


def offer_cases(practice):
    """A waitlist offer's link, and an ordinary personal link, which offers nothing."""
    token, appointment = link_and_session(practice)
    freed = AppointmentFactory(
        client=client_of(practice),
        service=appointment.service,
        start=appointment.start - datetime.timedelta(days=2),
        status="cancelled_client",
    )
    offer = booking.issue_link(appointment.client, appointment.service, offer=freed)
    return {"token": offer}, {"token": token}


def service_elsewhere():
    return ServiceFactory(practice=PracticeFactory(name="Elsewhere")).public_id


def times_cases(practice):
    practice, service = booking_practice(practice)
    return (
        {"slug": practice.slug, "service_id": service.public_id},
        {"slug": practice.slug, "service_id": service_elsewhere()},
    )


def details_cases(practice):
    practice, service = booking_practice(practice)
    kwargs = {"slug": practice.slug, "service_id": service.public_id}
    return (
        {**kwargs, "?": f"at={a_free_time(practice, service)}"},
        {**kwargs, "?": "at=2026-02-30T10:00Z"},
    )


def a_hold(practice):
    """A time held on the booking page, and the token of its confirmation link."""
    practice, service = booking_practice(practice)
    start = availability.next_free(practice, service, count=1)[0].start
    details = {
        "first_name": "Sam",
        "last_name": "Hold",
        "email": "sam.hold@example.com",
        "mobile": "",
        "preferred_channel": "email",
    }
    hold = booking.hold_from_page(practice, service, start, details)
    return hold, booking.issue_hold_token(hold)


def booked_signed(practice):
    hold, _ = a_hold(practice)
    return booking_views.signing.dumps(str(hold.public_id), salt=booking_views.DONE_SALT)


def takes_online(practice):
    """The practice with Stripe keys (the client's online pages exist only then)."""
    StripeAccount.objects.get_or_create(
        practice=practice,
        defaults={"secret_key": "sk_test_sweep", "webhook_secret": "whsec_x", "save_cards": True},
    )
    return practice


def deposit_hold_token(practice):
    hold, token = a_hold(takes_online(practice))
    Checkout.objects.create(
        practice=hold.practice,
        purpose=Checkout.Purpose.DEPOSIT,
        session_id=f"cs_test_{secrets.token_hex(6)}",
        url="https://checkout.stripe.com/c/pay/test",
        amount=20,
        hold=hold,
        expires_at=hold.expires_at,
    )
    return token


def online_link(practice):
    token, _appointment = link_and_session(takes_online(practice))
    return ({"token": token}, {"token": "n" * 22})


def with_link(make):
    def cases(practice):
        token, appointment = link_and_session(practice)
        return make(token, appointment)

    return cases


PUBLIC_URLS |= {
    "booking:start": lambda practice: (
        {"slug": booking_practice(practice)[0].slug},
        {"slug": "no-such-practice"},
    ),
    "booking:times": times_cases,
    "booking:details": details_cases,
    "booking:done": lambda practice: (
        {"slug": practice.slug, "signed": booked_signed(practice)},
        {"slug": practice.slug, "signed": "forged"},
    ),
    "booking:confirm_hold": lambda practice: (
        {"token": a_hold(practice)[1]},
        {"token": "n" * 22},
    ),
    "receipts:personal": own_receipt_cases,
    "receipts:pay": online_link,
    "receipts:paid": online_link,
    "receipts:card": online_link,
    "receipts:deposit_paid": lambda practice: (
        {"token": deposit_hold_token(practice)},
        {"token": "n" * 22},
    ),
    "booking:mine": with_link(lambda token, _: ({"token": token}, {"token": "n" * 22})),
    "booking:again": with_link(lambda token, _: ({"token": token}, {"token": "n" * 22})),
    "booking:again_service": with_link(
        lambda token, appointment: (
            {"token": token, "service_id": appointment.service.public_id},
            {"token": token, "service_id": service_elsewhere()},
        )
    ),
    "booking:again_confirm": with_link(
        lambda token, appointment: (
            {
                "token": token,
                "service_id": appointment.service.public_id,
                "?": f"at={a_free_time(appointment.practice, appointment.service)}",
            },
            {"token": token, "service_id": appointment.service.public_id, "?": "at=garbage"},
        )
    ),
    "booking:move": with_link(
        lambda token, appointment: (
            {"token": token, "appointment_id": appointment.public_id},
            {"token": token, "appointment_id": someone_elses_session(appointment.practice)},
        )
    ),
    "booking:wait": with_link(
        lambda token, appointment: (
            {"token": token, "appointment_id": appointment.public_id},
            {"token": token, "appointment_id": someone_elses_session(appointment.practice)},
        )
    ),
    "booking:wait_any": with_link(
        lambda token, appointment: (
            {"token": token, "service_id": appointment.service.public_id},
            {"token": token, "service_id": service_elsewhere()},
        )
    ),
    "booking:take": lambda practice: offer_cases(practice),
    "booking:cancel": with_link(
        lambda token, appointment: (
            {"token": token, "appointment_id": appointment.public_id},
            {"token": token, "appointment_id": someone_elses_session(appointment.practice)},
        )
    ),
}

# Model -> function(practice) returning an instance owned by `practice`, for admin URLs.
MODEL_OBJECTS = {
    Practice: lambda practice: practice,
    Membership: lambda practice: MembershipFactory(practice=practice),
    User: lambda practice: MembershipFactory(practice=practice).user,
    ClientRecord: lambda practice: ClientFactory(practice=practice),
    ConsentEvent: lambda practice: ConsentEvent.objects.create(
        practice=practice,
        client=ClientFactory(practice=practice),
        channel="email",
        given=True,
        how="test",
    ),
    IntakeLink: lambda practice: IntakeLinkFactory(client__practice=practice),
    IntakeSubmission: lambda practice: IntakeSubmissionFactory(client__practice=practice),
    IntakeFormVersion: lambda practice: IntakeFormVersion.current(practice),
    HealthCheck: lambda practice: HealthCheck.objects.create(
        practice=practice, client=ClientFactory(practice=practice)
    ),
    Service: lambda practice: ServiceFactory(practice=practice),
    AuditEvent: lambda practice: AuditEvent.objects.create(
        practice=practice, action="view", what="client record"
    ),
    Practitioner: lambda practice: Practitioner.objects.create(
        practice=practice, name="Sam Physio", profession="physio"
    ),
    Referral: lambda practice: Referral.objects.create(
        practice=practice,
        client=ClientFactory(practice=practice),
        practitioner=Practitioner.objects.create(practice=practice, name="A", profession="physio"),
    ),
    MoveOn: lambda practice: MoveOn.objects.create(
        practice=practice,
        client=ClientFactory(practice=practice),
        reason="needs",
        method="refer",
        message="Bye",
    ),
    Complaint: lambda practice: ComplaintFactory(client__practice=practice),
    ComplaintStep: lambda practice: ComplaintStep.objects.create(
        practice=practice,
        complaint=ComplaintFactory(client__practice=practice),
        step="listened",
        by=MembershipFactory(practice=practice).user,
    ),
    Incident: lambda practice: IncidentFactory(client__practice=practice),
    IncidentReport: lambda practice: IncidentReportFactory(incident__client__practice=practice),
    FollowUp: lambda practice: FollowUpFactory(client__practice=practice),
    Attempt: lambda practice: Attempt.objects.create(
        practice=practice, followup=FollowUpFactory(client__practice=practice)
    ),
    Rule: lambda practice: Rule.objects.create(practice=practice, kind="checkin"),
    CheckIn: lambda practice: CheckInFactory(appointment__client__practice=practice),
    Technique: lambda practice: Technique.objects.create(practice=practice, name="Cupping"),
    Appointment: lambda practice: AppointmentFactory(client__practice=practice),
    SessionNote: lambda practice: SessionNoteFactory(appointment__client__practice=practice),
    NoteAmendment: lambda practice: NoteAmendment.objects.create(
        practice=practice,
        note=SessionNoteFactory(appointment__client__practice=practice),
        by=MembershipFactory(practice=practice).user,
        reason="test",
        changes=[],
        hash_before="a",
        hash_after="b",
    ),
}

# URL name -> why its arguments are not one practice's object.
NOT_PRACTICE_OBJECTS = {
    "password_reset_confirm": "a signed one-time token for one user (test_password_reset)",
    "admin:app_list": "an app label",
    "admin:<unnamed <path:object_id>/>": "only redirects to the change page, which is swept",
    "followups:rule": "a kind of follow-up; the rule shown is always the current practice's",
    "receipts:stripe_webhook": "Stripe's, POST only and signed with the practice's own secret "
    "(tests/payments/test_online.py: another practice's signature is refused)",
}


@dataclass
class Case:
    name: str
    url: str
    owner_can_open: bool = True


@dataclass
class SweepResult:
    cases: list = field(default_factory=list)
    unknown: list = field(default_factory=list)
    public: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def walk(resolvers=None, namespace=None, inherited=()):
    """Yield (name, argument names) for every URL pattern, namespaces included."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        names = inherited + tuple(argument_names(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) or None
            yield from walk(entry.url_patterns, inner, names)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<unnamed {entry.pattern}>"
            yield ":".join(filter(None, [namespace, name])), list(names)


def argument_names(pattern):
    converters = getattr(pattern, "converters", None)
    if converters is not None:
        return list(converters)
    return list(pattern.regex.groupindex)


def admin_cases(practice):
    """Change, delete, history and view-on-site URLs of every practice object in the admin."""
    cases = {}
    for model in admin.site._registry:
        make = MODEL_OBJECTS.get(model)
        if make is None:
            continue
        obj = make(practice)
        opts = model._meta
        for view in ("change", "delete", "history"):
            name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
            cases[name] = Case(name, reverse(name, args=[obj.pk]))
        if model is User:
            name = "admin:auth_user_password_change"  # Django names it so for any user model
            cases[name] = Case(name, reverse(name, args=[obj.pk]))
        if issubclass(model, TenantModel):
            content_type = ContentType.objects.get_for_model(model)
            # No practice model links to a public page from the admin yet, so the owner gets
            # 404 here too; what matters is that the outsider learns nothing.
            cases["admin:view_on_site"] = Case(
                "admin:view_on_site",
                reverse("admin:view_on_site", args=[content_type.pk, obj.pk]),
                owner_can_open=False,
            )
    return cases


def admin_is_global(name):
    """Admin URLs of models that are not a practice's data (scheduler entries, groups)."""
    if not name.startswith("admin:"):
        return False
    for model in admin.site._registry:
        opts = model._meta
        if model not in MODEL_OBJECTS and name.startswith(
            f"admin:{opts.app_label}_{opts.model_name}_"
        ):
            return True
    return False


def public_url(name, kwargs):
    """The address of a public page; a "?" entry is its query string."""
    kwargs = dict(kwargs)
    query = kwargs.pop("?", "")
    return reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


def build_cases(practice, object_urls=None):
    object_urls = OBJECT_URLS if object_urls is None else object_urls
    result = SweepResult()
    urls = list(walk())
    generated = admin_cases(practice) if any(n.startswith("admin:") for n, _ in urls) else {}
    for name, arguments in urls:
        if not arguments or name in NOT_PRACTICE_OBJECTS or admin_is_global(name):
            continue
        if name in object_urls:
            result.cases.append(Case(name, reverse(name, kwargs=object_urls[name](practice))))
        elif name in PUBLIC_URLS and object_urls is OBJECT_URLS:
            good, bad = PUBLIC_URLS[name](practice)
            result.public.append((name, public_url(name, good), public_url(name, bad)))
        elif name in generated:
            result.cases.append(generated[name])
        else:
            result.unknown.append(f"{name} {arguments}")
    return result


def fetch(client, url):
    """GET the URL; for a POST-only view (405), POST to it instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def signed_in(user):
    """Signed in, with every admin permission but not as an operator (a superuser sees the
    list of practices and people by design: tests/practice/test_admin.py)."""
    client = Client()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    return client


def sweep(cases, owner, outsider):
    """Try every case as owner, outsider and anonymous; return the problems found."""
    problems = []
    as_owner, as_outsider, anonymous = signed_in(owner), signed_in(outsider), Client()
    for case in cases:
        status = fetch(as_outsider, case.url).status_code
        if status != 404:
            problems.append(f"{case.name} {case.url}: another practice got {status}, not 404")
        status = fetch(anonymous, case.url).status_code
        if status not in (302, 404):
            problems.append(
                f"{case.name} {case.url}: anonymous got {status}, not a sign-in redirect"
            )
        if case.owner_can_open:
            status = fetch(as_owner, case.url).status_code
            if status == 404 or status >= 500:
                problems.append(f"{case.name} {case.url}: its own practice got {status}")
    return problems


def sweep_public(public_cases):
    """A public page opens with its real key and is a plain 404 with a wrong one."""
    problems = []
    anonymous = Client()
    for name, good, bad in public_cases:
        # A link may pass the visitor on (an offer to its page): where it ends must open.
        if (status := anonymous.get(good, follow=True).status_code) != 200:
            problems.append(f"{name} {good}: the real key got {status}")
        if (status := anonymous.get(bad).status_code) != 404:
            problems.append(f"{name} {bad}: a wrong key got {status}, not 404")
    return problems


# Views that read an object's id from the query string: URL name -> (parameter, function
# (practice) returning an id of that practice). Each is tried with garbage and with
# another practice's id (sweep_query_ids).
QUERY_IDS = {
    "sessions:create": ("client", lambda practice: client_of(practice).public_id),
    "complaints:create": ("client", lambda practice: client_of(practice).public_id),
    "complaints:incident_create": ("client", lambda practice: client_of(practice).public_id),
    "practice:audit": ("client", lambda practice: client_of(practice).public_id),
    "practice:audit#member": (
        "member",
        lambda practice: MembershipFactory(practice=practice).public_id,
    ),
    "clients:list": ("after", lambda practice: client_of(practice).public_id),
    "clients:list#before": ("before", lambda practice: client_of(practice).public_id),
    "payments:list": (
        "after",
        lambda practice: (
            Payment.objects.create(
                practice=practice, client=client_of(practice), amount=10, method="cash"
            ).public_id
        ),
    ),
}
GARBAGE_IDS = ("abc", "None", "null", "1", "0x1f", "%00", "abc\x00", "\x001", "' OR 1=1 --")

# Every list filter a signed-in member can type into a query string: URL name -> its
# parameters. sweep_filters tries each with NUL and other malformed values.
FILTERS = {
    "practice:referrals": ("q", "profession", "specialty", "accepting"),
    "clients:list": ("q", "status", "flags", "intake_pending", "sort", "last", "after"),
    "payments:list": ("after",),
    "followups:list": ("show", "page"),
    "sessions:day": ("date",),
    "sessions:week": ("date",),
    "practice:audit": ("page",),
    "dashboard": (),
}
MALFORMED_FILTERS = ("\x00", "a\x00b", "%00", "\u202eevil", "' OR 1=1 --", "9" * 40)


def sweep_filters(owner):
    """Problems found: a malformed filter value answers a page (or 404), never a 500."""
    problems = []
    ours = signed_in(owner)
    for name, parameters in FILTERS.items():
        url = reverse(name)
        for parameter in (*parameters, "unknown"):
            for value in MALFORMED_FILTERS:
                status = ours.get(url, {parameter: value}).status_code
                if status >= 500:
                    problems.append(f"{name} ?{parameter}={value!r}: {status}")
    return problems


def sweep_query_ids(owner, outsider, practice):
    """Problems found: garbage must answer 404 (never 500), an empty value is as if not
    given (200), our own id works (200) and another practice's id answers 404."""
    problems = []
    ours, theirs = signed_in(owner), signed_in(outsider)
    other = theirs_practice(outsider)
    for name, (parameter, make_id) in QUERY_IDS.items():
        url = reverse(name.split("#")[0])
        expected = [(value, 404) for value in GARBAGE_IDS] + [("", 200)]
        expected += [(make_id(practice), 200), (make_id(other), 404)]
        for value, status in expected:
            got = ours.get(url, {parameter: value}).status_code
            if got != status:
                problems.append(f"{name} ?{parameter}={value!r}: {got}, not {status}")
        if theirs.get(url, {parameter: make_id(practice)}).status_code != 404:
            problems.append(f"{name}: another practice opened ours by ?{parameter}=")
    return problems


def theirs_practice(user):
    return Membership.objects.filter(user=user).select_related("practice").first().practice
