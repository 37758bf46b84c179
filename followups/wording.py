"""What each follow-up says: default wording, the practice's own wording, and rendering.

A practice may rewrite any message in its rule settings. Wording is a Django template with
a small, fixed set of names ({{ first_name }}, {{ practice }}, {{ when }}, {{ link }} ...),
rendered without access to anything else.
"""

import datetime
import functools
import secrets

from django.conf import settings
from django.core import signing
from django.template import Context, Engine, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone

from clients import rechecks
from clients.models import IntakeLink, hash_token
from practice import dates
from practice.models import Practice
from sessions import booking, services
from sessions.models import Appointment, BookingLink

from .kinds import KINDS, PREWRITTEN_KINDS, Kind
from .models import Channel, CheckIn, inbound_texts_unverifiable

# Wording is plain text (a subject, a text message, an e-mail's text part): nothing in it is
# HTML-escaped here. The e-mail's HTML part escapes the finished text once, as it draws it.
ENGINE = Engine(autoescape=False)
UNSUBSCRIBE_SALT = "followups.unsubscribe"
CHECKIN_BOOK_SALT = "followups.checkin.book"


class RenderError(Exception):
    """The practice's wording could not be rendered (a typo in the template)."""


def site_url(path):
    return settings.SITE_URL.rstrip("/") + path


def wording(rule, kind, channel=None):
    """The (subject, body) templates: the practice's own, else ours. A text message has
    its own shorter body where the kind has one."""
    spec = KINDS[kind]
    subject = (rule and rule.subject) or spec.subject
    body = (rule and rule.body) or spec.body
    if channel == Channel.SMS and spec.text:
        body = (rule and rule.text) or spec.text
    return subject, body


@functools.lru_cache(maxsize=256)
def compile_wording(template):
    return ENGINE.from_string(template)


def render_text(template, context):
    try:
        return compile_wording(template).render(Context(context, autoescape=False)).strip()
    except (TemplateSyntaxError, ValueError, KeyError, AttributeError) as error:
        raise RenderError(f"The message wording has an error: {error}") from error


def context_for(followup, *, sample=False):
    """The names a message may use. Creates the check-in or intake token when needed."""
    practice, client = followup.practice, followup.client
    context = {
        "practice": practice.name,
        "first_name": client.first_name if client else "",
        "late_policy": practice.late_arrival_policy,
        "cancellation_policy": practice.cancellation_policy,
        "insurer": practice.insurer_name,
        "policy": practice.insurance_policy_number,
        "expires": dates.day(practice.insurance_expires_on, practice)
        if practice.insurance_expires_on
        else "",
        "when": when_of(followup, practice),
        "hold_minutes": settings.BOOKING_HOLD_MINUTES,
        # A callable: the template calls it only if the wording asks (one query).
        "first_visit": functools.partial(is_before_first_visit, client),
        **invitation_context(followup.invitation, practice),
        "service": service_name(followup),
        "link": "",
        "intake_link": "",
        "recheck_link": "",
        "book_link": "",
        "booking_link": "",
        "offer_link": "",
        "awaiting": bool(followup.appointment and followup.appointment.awaiting_confirmation),
        # A text reminder asks for "C" only where replies reach us and can be verified.
        "reply_to_confirm": followup.kind == Kind.REMINDER
        and followup.channel == Channel.SMS
        and settings.SMS_BACKEND.endswith("TwilioSmsBackend")
        and not inbound_texts_unverifiable(),
    }
    context.update(alert_context(followup))
    if sample:
        tomorrow = dates.local(timezone.now(), practice) + datetime.timedelta(days=1)
        context["when"] = "on " + dates.when(tomorrow.replace(hour=10, minute=0), practice)
        context["link"] = site_url("/example-link/")
        if practice.online_booking and followup.kind in BOOKING_LINKS:
            context[BOOKING_LINKS[followup.kind]] = site_url("/b/example-link/")
        if practice.online_booking and followup.kind == Kind.WAITLIST_OFFER:
            context["offer_link"] = site_url("/b/example-link/")
        if followup.kind == HEALTH_QUESTION_IN.get(practice.health_recheck):
            context["recheck_link"] = site_url("/hc/example-link/")  # a returning client's
        return context
    for name, make in token_links(followup).items():
        context[name] = make()
    return context


def when_of(followup, practice):
    """ "on Monday 19 October at 10:00": the session's time, or the held one's."""
    if followup.appointment:
        return when_text(followup.appointment, practice)
    if followup.hold:
        return "on " + dates.when(followup.hold.start, practice)
    return ""


def is_before_first_visit(client):
    """Whether wording about a first visit fits: the client has not had a session yet."""
    if client is None or client.pk is None:
        return True
    return not client.appointments.filter(status=Appointment.Status.COMPLETED).exists()


# The kinds that carry the client's personal booking link when the practice takes bookings
# online, and under which name: "book_link" opens the free times of the client's last
# service; "booking_link" opens their sessions, to move or cancel one.
BOOKING_LINKS = {
    Kind.BOOKING_DECLINED: "book_link",
    Kind.THANK_YOU: "book_link",
    Kind.CANCELLATION: "book_link",
    Kind.LAPSED: "book_link",
    Kind.REMINDER: "booking_link",
    Kind.BOOKING_CONFIRMATION: "booking_link",
}


def token_links(followup):
    """The links of this message that carry a token made for it: {name: maker}. Making one
    writes the token's hash to the database."""
    client, appointment = followup.client, followup.appointment
    links = {}
    if followup.kind == Kind.CHECKIN and appointment:
        links["link"] = lambda: checkin_link(appointment)
    if followup.kind == Kind.INTAKE_LINK and client:
        links["link"] = lambda: intake_link(client)
    if followup.kind in (Kind.REMINDER, Kind.HEALTH_CHECK) and client and appointment:
        links.update(health_links(followup))
    if followup.kind == Kind.INVITATION and followup.invitation:
        links["link"] = lambda: invitation_link(followup.invitation)
    if followup.kind == Kind.BOOKING_HOLD and followup.hold:
        links["link"] = lambda: hold_link(followup.hold)
    if (
        followup.kind == Kind.WAITLIST_OFFER
        and client
        and appointment
        and followup.practice.online_booking
    ):
        links["offer_link"] = lambda: offer_link(client, appointment)
    if followup.kind in BOOKING_LINKS and client and followup.practice.online_booking:
        name = BOOKING_LINKS[followup.kind]
        links[name] = lambda: personal_link(client, again=name == "book_link")
    return links


# Which message asks a returning client "has anything changed?", by the practice's choice.
HEALTH_QUESTION_IN = {
    Practice.HealthRecheck.IN_REMINDER: Kind.REMINDER,
    Practice.HealthRecheck.OWN_MESSAGE: Kind.HEALTH_CHECK,
}


def health_links(followup):
    """The link about the client's health that a reminder or a "has anything changed?"
    message carries: {name: maker}. The form itself when the client has none or theirs is
    past the practice's limit (the question of its own asks only about a form they have);
    else "has anything changed?", in the message the practice chose, where the session's
    status says the client has not re-checked since their last visit."""
    practice, client, appointment = followup.practice, followup.client, followup.appointment
    health = services.health_status(appointment, practice)
    if health.state == rechecks.OUT_OF_DATE:
        if followup.kind == Kind.HEALTH_CHECK and client.intake_completed_at is None:
            return {}
        return {"intake_link": lambda: intake_link(client)}
    if HEALTH_QUESTION_IN.get(practice.health_recheck) != followup.kind:
        return {}
    if health.state != rechecks.NOT_RECHECKED:  # a newer form, or checked since
        return {}
    return {"recheck_link": lambda: recheck_link(client)}


def recheck_link(client):
    _, token = IntakeLink.issue(client, by=None, revoke_older=False, token_bytes=12)
    return site_url(reverse("intake:check", args=[token]))


def personal_link(client, *, again):
    """A new personal link for the client: to choose a time for their last service
    (`again`), or to see their sessions."""
    token = booking.issue_link(client, booking.last_service(client))
    name = "booking:again" if again else "booking:mine"
    return site_url(reverse(name, args=[token]))


def checkin_book_link(checkin):
    """The "choose your next time" link on a check-in's thanks page: one per check-in,
    the same however often the page is shown. Its token is derived from the check-in
    (so nothing but its hash is stored, as for every link), and made into a personal
    link the first time only."""
    token = signing.Signer(salt=CHECKIN_BOOK_SALT).sign(str(checkin.public_id)).split(":")[-1]
    client = checkin.client
    BookingLink.objects.get_or_create(
        token_hash=hash_token(token),
        defaults={
            "practice": checkin.practice,
            "client": client,
            "service": booking.last_service(client),
            "expires_at": timezone.now() + BookingLink.LIFETIME,
        },
    )
    return site_url(reverse("booking:again", args=[token]))


def offer_link(client, freed):
    """A short link that takes a freed time (see booking_views.take)."""
    token = booking.issue_link(client, freed.service, offer=freed)
    return site_url(reverse("booking:take", args=[token]))


def service_name(followup):
    appointment = followup.appointment
    if appointment is not None and appointment.service_id:
        return appointment.service.name
    if followup.hold_id:
        return followup.hold.service.name
    return ""


def hold_link(hold):
    """The link that books a held time (a new token: only its hash is kept)."""
    token = booking.issue_hold_token(hold)
    return site_url(reverse("booking:confirm_hold", args=[token]))


ALERTS = (Kind.WORSE_ALERT, Kind.HEALTH_ALERT)


def alert_context(followup):
    """The names an alert to the practice about a client may use (about their "worse"
    answer, or a new red flag)."""
    if followup.kind not in ALERTS or followup.appointment is None:
        return {}
    appointment = followup.appointment
    checkin = CheckIn.objects.filter(appointment=appointment).select_related("client").first()
    client = checkin.client if checkin else appointment.client
    return {
        "client_name": client.first_name,
        "client_full_name": client.full_name,
        "comment": (checkin.comment if checkin else "") or "(no comment)",
        "link": site_url(reverse("sessions:detail", args=[appointment.public_id])),
    }


def invitation_link(invitation):
    """A new token for the invitation's link (the old one, if any, stops working)."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.save(update_fields=["token_hash"])
    return site_url(reverse("invitation", args=[token]))


def invitation_context(invitation, practice):
    if invitation is None:
        return {}
    inviter = invitation.invited_by
    return {
        "inviter": (inviter.get_full_name() or inviter.email) if inviter else "The practice",
        "role": {"owner": "an owner", "assistant": "an assistant"}[invitation.role],
        "expires": dates.day(invitation.expires_at, practice),
    }


def when_text(appointment, practice):
    return "on " + dates.when(appointment.start, practice)


def checkin_link(appointment):
    """A check-in token for this session. The dispatcher renders a message once and keeps
    it, so this runs once per check-in message, and every try sends the same link."""
    token = secrets.token_urlsafe(24)
    CheckIn.objects.update_or_create(
        appointment=appointment,
        defaults={
            "practice": appointment.practice,
            "client": appointment.client,
            "token_hash": hash_token(token),
        },
    )
    return site_url(reverse("checkin_reply", args=[token]))


def intake_link(client):
    _, token = IntakeLink.issue(client, by=None, revoke_older=False)
    return site_url(reverse("intake:link", args=[token]))


def unsubscribe_token(client, channel):
    """The same token every time for one client and channel, so every copy of a message
    carries the same working link. (Signed, not stored: it names the client and channel.)"""
    signer = signing.Signer(salt=UNSUBSCRIBE_SALT)
    return signer.sign_object({"c": str(client.public_id), "ch": channel}, compress=True)


def unsubscribe_url(client, channel):
    return site_url(reverse("unsubscribe", args=[unsubscribe_token(client, channel)]))


def read_unsubscribe_token(token):
    """Return (client public id, channel) or None for a token we did not make. Links sent
    before tokens stopped carrying a time keep working for 400 days."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        try:
            data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=datetime.timedelta(days=400))
        except signing.BadSignature:
            return None
    if not isinstance(data, dict):
        return None
    return data.get("c"), data.get("ch")


def render(followup, rule, *, sample=False):
    """Return (subject, body) for the follow-up, or raise RenderError."""
    subject_template, body_template = wording(rule, followup.kind, followup.channel)
    context = context_for(followup, sample=sample)
    if followup.kind in PREWRITTEN_KINDS and followup.body:
        return render_text(subject_template, context)[:200], followup.body
    subject = render_text(subject_template, context).splitlines()
    return (subject[0] if subject else "")[:200], render_text(body_template, context)
