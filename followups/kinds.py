"""Every kind of follow-up in one table: when it is planned by default, what the practice
may change, when it is too late to be useful, its wording for e-mail and for texts, and
how the dispatcher treats it. Adding a kind is an entry here (and the migration its new
choice needs); planning, the dispatcher, the wording and the settings page all read it.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models

# How a row skipped for being past its time says so.
TOO_LATE_REASON = "too late to be useful"


class Kind(models.TextChoices):
    CHECKIN = "checkin", "Check-in after a session"
    THANK_YOU = "thank_you", "Thank-you after a first visit"
    REMINDER = "reminder", "Appointment reminder"
    HEALTH_CHECK = "health_check", "Has anything changed? before a visit"
    CANCELLATION = "cancellation", "Follow-up after a cancellation"
    LAPSED = "lapsed", "Win-back for a lapsed client"
    COMPLAINT = "complaint", "Complaint follow-up"
    INTAKE_LINK = "intake_link", "Intake form link"
    INSURANCE = "insurance", "Insurance expiry reminder"
    MOVE_ON = "move_on", "Message about moving on"
    INVITATION = "invitation", "Invitation to join the practice"
    WORSE_ALERT = "worse_alert", "Alert: a client feels worse"
    HEALTH_ALERT = "health_alert", "Alert: a new red flag before a session"
    REFERRAL_LIST = "referral_list", "List of colleagues for an enquirer"
    INSURER_REPORT = "insurer_report", "Incident report to the insurer"
    BOOKING_CONFIRMATION = "booking_confirmation", "Confirmation of a booking"
    TEXT_REPLY = "text_reply", "Reply by text from a client"
    BOOKING_DECLINED = "booking_declined", "A booking request the practice could not take"
    WAITLIST_OFFER = "waitlist_offer", "A freed time offered to the waitlist"
    SECURITY_NOTICE = "security_notice", "Notice of a change to someone's sign-in"
    BOOKING_HOLD = "booking_hold", "Link to confirm a time chosen online"
    RECEIPT = "receipt", "Receipt for a payment"
    OWED_REMINDER = "owed_reminder", "Reminder of what is still to pay"
    CREDIT_NOTE = "credit_note", "Credit note for a refund or a cancelled receipt"


@dataclass(frozen=True)
class Spec:
    """One kind of follow-up.

    Past `too_late` a message is no longer useful, and worse than silence: a "how do you
    feel today?" a week after the session. It is counted from the moment the rule's timing
    gives for its cause (so a practice that checks in after 3 days still gets its
    check-ins), or from the cause itself where that is the point (a reminder, an expiry
    warning). A row planned past it is kept as skipped with the reason, never sent; the
    dispatcher checks it again at send time, so a long outage cannot send it late either.
    """

    # The idempotency key: its cause, so that planning it twice finds the first row.
    key: str
    too_late: datetime.timedelta
    too_late_why: str
    subject: str
    body: str
    # Wording of a text message: short, so that with a plain first name and the practice's
    # name it is billed as one text (160 characters in the GSM alphabet). Empty: the kind
    # never goes by text, or goes as the therapist wrote it.
    text: str = ""
    # The practice's rule until it changes it, and which of those fields it may change.
    timing: dict = field(default_factory=dict)
    editable: tuple = ()
    urgent: bool = False  # about care or a booking: sent even on a day another message went
    marketing: bool = False  # tries to win business: never to a moved-on or inactive client
    ruleless: bool = False  # planned by a person's action, not by a rule the practice sets
    prewritten: bool = False  # the therapist wrote the body for this one client
    to_practice: bool = False  # to the practice's own people, so no reply-to
    to_given_address: bool = False  # to the address typed when it was asked for
    to_do: bool = False  # never sent: always a to-do for the therapist, whatever the channel
    # Asked for a moment ago by the person it goes to: sent in quiet hours too.
    asked_for: bool = False
    # Between the app and someone who is not (yet) anyone's client: not in the practice's
    # outbox, its counts or any client's history.
    unseen_by_practice: bool = False


def DAYS(n):
    return datetime.timedelta(days=n)


def AT(hour):
    return datetime.time(hour, 0)


NOW = datetime.timedelta(0)

KINDS = {
    Kind.CHECKIN: Spec(
        key="checkin:{appointment}",
        timing={"days": 1, "at_time": AT(10)},
        editable=("days", "at_time"),
        too_late=DAYS(1),
        too_late_why=("a check-in goes out within a day of its planned time after the session"),
        subject="How are you feeling after your massage?",
        body=(
            "Hello {{ first_name }},\n\nThank you for coming in {{ when }}. How do you "
            "feel today? One tap tells us:\n{{ link }}\n\nIf anything feels worse, "
            "please tell us: we would much rather know.\n\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, how do you feel after your massage? Tap to tell us: {{ "
            "link }}\n{{ practice }}"
        ),
        urgent=True,
    ),
    Kind.THANK_YOU: Spec(
        key="thank_you:{client}",
        timing={"days": 1, "at_time": AT(12)},
        editable=("days", "at_time"),
        too_late=DAYS(3),
        too_late_why=(
            "a thank-you goes out within 3 days of its planned time after the first visit"
        ),
        subject="Thank you for visiting {{ practice }}",
        body=(
            "Hello {{ first_name }},\n\nThank you for choosing us for your first "
            "massage. We hope it helped. When you are ready for the next one, {% if "
            "book_link %}choose a time here:\n{{ book_link }}{% else %}just reply to "
            "book.{% endif %}\n\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, thank you for your first visit! {% if book_link %}Book "
            "the next one: {{ book_link }}{% else %}Reply when you would like to book the "
            "next one.{% endif %}\n{{ practice }}"
        ),
        marketing=True,
    ),
    Kind.REMINDER: Spec(
        key="reminder:{appointment}",
        timing={"hours": 24},
        editable=("hours",),
        too_late=NOW,
        too_late_why="a reminder goes out before the session starts",
        subject="Your massage {{ when }}",
        body=(
            "Hello {{ first_name }},\n\nA reminder of your massage {{ when }}.{% if "
            "intake_link %}\n\n{% if first_visit %}Before your first visit{% else "
            "%}Before you come{% endif %}, please fill in this short form: {{ "
            "intake_link }}{% elif recheck_link %}\n\nHas anything changed with your "
            "health since your last visit? One tap tells us: {{ recheck_link }}{% endif "
            "%}{% if booking_link %}\n\nTo move or cancel it: {{ "
            "booking_link }}{% endif %}{% if late_policy %}\n\nIf you are running late: "
            "{{ late_policy }}{% endif %}\n\nSee you soon,\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, see you {{ when }}.{% if reply_to_confirm %} Reply C to "
            "confirm.{% endif %}{% if intake_link %} Your form: {{ intake_link }}{% elif "
            "recheck_link %} Health changed? {{ recheck_link }}{% elif booking_link %} To "
            "change: {{ booking_link }}{% endif %}\n{{ practice }}"
        ),
        urgent=True,
    ),
    # To a returning client before a visit, where the practice asks in a message of its
    # own: has anything changed with their health? (followups.wording.health_links)
    Kind.HEALTH_CHECK: Spec(
        key="health_check:{appointment}",
        timing={"hours": 48},
        editable=("hours",),
        too_late=NOW,
        too_late_why="the question goes out before the session starts",
        subject="Before your massage {{ when }}: has anything changed?",
        body=(
            "Hello {{ first_name }},\n\n{% if intake_link %}Before your massage {{ when "
            "}}, please go through your health form once more: it is over a year old. Your "
            "earlier answers are filled in: {{ intake_link }}{% else %}Before your massage "
            "{{ when }}: has anything changed with your health since your last visit? New "
            "aches, an injury, medicines, a pregnancy. One tap tells us: {{ recheck_link "
            "}}{% endif %}\n\nThank you,\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, {% if intake_link %}please update your health form "
            "before you come: {{ intake_link }}{% else %}any change in your health since "
            "your last visit? {{ recheck_link }}{% endif %}\n{{ practice }}"
        ),
        urgent=True,
    ),
    Kind.CANCELLATION: Spec(
        key="cancellation:{appointment}:{step}",
        timing={"sequence": "0, 3, 10", "at_time": AT(10)},
        editable=("sequence", "at_time"),
        too_late=DAYS(2),
        too_late_why=(
            "a cancellation follow-up goes out within 2 days of its day after the cancellation"
        ),
        subject="Shall we find you another time?",
        body=(
            "Hello {{ first_name }},\n\nWe missed you {{ when }}. Would you like to book "
            "another session? {% if book_link %}Choose a time that suits you:\n{{ "
            "book_link }}{% else %}Reply and we will find a time that suits you.{% endif "
            "%}\n\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, sorry we missed you {{ when }}. {% if book_link %}New "
            "time: {{ book_link }}{% else %}Reply and we will find you another time.{% "
            "endif %}\n{{ practice }}"
        ),
        marketing=True,
    ),
    Kind.LAPSED: Spec(
        key="lapsed:{client}:{last_visit}",
        timing={"margin_percent": 50, "at_time": AT(10)},
        editable=("margin_percent", "at_time"),
        too_late=DAYS(3),
        too_late_why="a win-back goes out within 3 days of planning",
        subject="It has been a while, {{ first_name }}",
        body=(
            "Hello {{ first_name }},\n\nIt has been a while since your last massage. If "
            "you would like to come back, {% if book_link %}choose a time here:\n{{ "
            "book_link }}{% else %}reply and we will find a time.{% endif %}\n\n{{ "
            "practice }}"
        ),
        text=(
            "Hi {{ first_name }}, it has been a while! {% if book_link %}Book your next "
            "massage: {{ book_link }}{% else %}Reply if you would like to book your next "
            "massage.{% endif %}\n{{ practice }}"
        ),
        marketing=True,
    ),
    Kind.COMPLAINT: Spec(
        key="complaint:{complaint}",
        timing={"days": 3, "at_time": AT(10)},
        editable=("days", "at_time"),
        too_late=DAYS(3),
        too_late_why="a complaint follow-up goes out within 3 days of its date",
        subject="Following up with you",
        body=(
            "Hello {{ first_name }},\n\nWe wanted to check that things are now as we "
            "agreed. Is there anything else we can do?\n\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, checking that all is now as we agreed. Is there "
            "anything else we can do?\n{{ practice }}"
        ),
        urgent=True,
    ),
    Kind.INTAKE_LINK: Spec(
        key="intake_link:{client}:{at}",
        timing={},
        editable=(),
        too_late=DAYS(3),
        too_late_why="an intake link goes out within 3 days of asking",
        subject="Your form for {{ practice }}",
        body=(
            "Hello {{ first_name }},\n\n{% if first_visit %}Before your first visit{% "
            "else %}Before your next visit{% endif %}, please fill in this short form "
            "about your health and how you would like to be contacted:\n{{ link }}\n\nIt "
            "takes about five minutes.\n\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, your health form before your visit (5 min): {{ link "
            "}}\n{{ practice }}"
        ),
        urgent=True,
    ),
    Kind.INSURANCE: Spec(
        key="insurance:{practice}:{ends}:{days}",
        timing={"sequence": "30, 7", "at_time": AT(9)},
        editable=("sequence", "at_time"),
        too_late=NOW,
        too_late_why="an expiry warning goes out before the policy ends",
        subject="Your indemnity insurance expires on {{ expires }}",
        body=(
            "Your professional indemnity insurance ({{ insurer }}, policy {{ policy }}) "
            "expires on {{ expires }}. Renew it and update the date in Settings."
        ),
        urgent=True,
        to_practice=True,
    ),
    Kind.MOVE_ON: Spec(
        key="move_on:{move}",
        timing={},
        editable=(),
        too_late=DAYS(7),
        too_late_why="a moving-on message goes out within 7 days",
        subject="A message from {{ practice }}",
        body="",
        urgent=True,
        ruleless=True,
        prewritten=True,
    ),
    Kind.INVITATION: Spec(
        key="invitation:{invitation}",
        timing={},
        editable=(),
        too_late=DAYS(7),
        too_late_why="an invitation works for 7 days",
        subject="{{ inviter }} invites you to {{ practice }}",
        body=(
            "Hello,\n\n{{ inviter }} has invited you to join {{ practice }} as {{ role "
            "}}, to share its clients, bookings and messages.\n\nAccept the invitation "
            "here (the link works once, until {{ expires }}):\n{{ link }}\n\nIf you were "
            "not expecting this, you can ignore it."
        ),
        urgent=True,
        ruleless=True,
    ),
    # To the practice's owners, the moment a client answers "worse" (not to the client).
    Kind.WORSE_ALERT: Spec(
        key="worse_alert:{checkin}",
        too_late=DAYS(2),
        too_late_why="an alert about a worse answer goes out within 2 days",
        subject="{{ client_name }} feels worse after their session",
        body=(
            "{{ client_full_name }} answered the check-in after their session {{ when }}: "
            "worse.\n\nTheir words: {{ comment }}\n\nCall them today, and look at the "
            "session: {{ link }}"
        ),
        urgent=True,
        ruleless=True,
        to_practice=True,
    ),
    # To the owners when a client's updated form raises a red flag they did not have, before
    # their next session: the flags, written when it is planned (followups.services).
    Kind.HEALTH_ALERT: Spec(
        key="health_alert:{submission}",
        too_late=NOW,
        too_late_why="an alert about a new red flag goes out before the session",
        subject="{{ client_name }} has a new red flag before their session {{ when }}",
        body="",
        urgent=True,
        ruleless=True,
        prewritten=True,
        to_practice=True,
    ),
    # To someone the practice cannot take on: its list of colleagues (a PDF that the top
    # floor attaches, see followups/attachments.py) under the therapist's own note.
    Kind.REFERRAL_LIST: Spec(
        key="referral_list:{request}",
        too_late=DAYS(2),
        too_late_why="a list of colleagues goes out within 2 days of asking",
        subject="Recommended practitioners from {{ practice }}",
        body="",
        urgent=True,
        ruleless=True,
        prewritten=True,
        to_given_address=True,
    ),
    # An incident report to the insurer: the kept PDF (attached by the complaints app, see
    # followups/attachments.py) under the therapist's covering message.
    Kind.INSURER_REPORT: Spec(
        key="insurer_report:{report}",
        too_late=DAYS(30),
        too_late_why="an incident report goes out within 30 days of asking",
        subject=(
            "Incident report from {{ practice }}{% if policy %}, policy {{ policy }}{% endif %}"
        ),
        body="",
        urgent=True,
        ruleless=True,
        prewritten=True,
        to_given_address=True,
    ),
    # To a client who booked (or moved a session) themselves: the time, a calendar file
    # (attached by followups.attachments) and their link to change it.
    Kind.BOOKING_CONFIRMATION: Spec(
        key="booking_confirmation:{appointment}:{start}",
        too_late=NOW,
        too_late_why="a confirmation goes out before the session starts",
        subject="{% if awaiting %}Requested{% else %}Booked{% endif %}: your massage {{ when }}",
        body=(
            "Hello {{ first_name }},\n\n{% if awaiting %}We have your request for a massage "
            "{{ when }}{% if service %} ({{ service }}){% endif %}. The time is held for you, "
            "and you will hear from us as soon as it is confirmed.{% else %}Your massage {{ "
            "when }} is booked{% if service %} ({{ service }}){% endif %}. The attached "
            "calendar file puts it in your phone's calendar.{% endif %}{% if booking_link "
            "%}\n\nTo see, move or cancel it: {{ booking_link }}{% endif %}{% if "
            "cancellation_policy %}\n\n{{ cancellation_policy }}{% endif %}\n\nSee you "
            "then,\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, {% if awaiting %}we have your request for {{ when }}: "
            "we will confirm soon{% else %}you are booked {{ when }}{% endif %}.{% if "
            "booking_link %} To change: {{ booking_link }}{% endif %}\n{{ practice }}"
        ),
        urgent=True,
        ruleless=True,
    ),
    # To a client whose online request the therapist could not take.
    Kind.BOOKING_DECLINED: Spec(
        key="booking_declined:{appointment}",
        too_late=NOW,
        too_late_why="a declined request is told before its time",
        subject="We cannot see you {{ when }} after all",
        body=(
            "Hello {{ first_name }},\n\nSorry: we cannot take your booking {{ when }}. "
            "{% if book_link %}Please choose another time: {{ book_link }}{% else %}Reply "
            "and we will find another time.{% endif %}\n\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, we cannot see you {{ when }}. {% if book_link "
            "%}Another time: {{ book_link }}{% else %}Reply for another time.{% endif "
            "%}\n{{ practice }}"
        ),
        urgent=True,
        ruleless=True,
    ),
    # To a client on the waitlist when a session of the same service is cancelled: the freed
    # time, and a link that takes it (the first to use it gets it).
    Kind.WAITLIST_OFFER: Spec(
        key="waitlist_offer:{entry}:{appointment}",
        too_late=NOW,
        too_late_why="a freed time is offered only before it starts",
        subject="A time has come free {{ when }}",
        body=(
            "Hello {{ first_name }},\n\nYou asked to hear when an earlier time frees up, "
            "and one has: your massage could be {{ when }}{% if service %} ({{ service "
            "}}){% endif %}.\n\n{% if "
            "offer_link %}The first to take it gets it: {{ offer_link }}{% else %}Reply if "
            "you would like it.{% endif %}\n\n{{ practice }}"
        ),
        text=(
            "Hi {{ first_name }}, a time came free {{ when }}. {% if offer_link %}Take it: "
            "{{ offer_link }}{% else %}Reply if you want it.{% endif %}\n{{ practice }}"
        ),
        urgent=True,
        ruleless=True,
    ),
    # To whoever chose a time on the public booking page, at the address or number they
    # typed: the link that books it (sessions.BookingHold). Known client or not, the same.
    Kind.BOOKING_HOLD: Spec(
        key="booking_hold:{hold}",
        too_late=NOW,
        too_late_why="a confirmation link goes out while the time is still held",
        subject="Confirm your massage {{ when }}",
        body=(
            "Hello,\n\nA massage {{ when }}{% if service %} ({{ service }}){% endif %} was "
            "just chosen on the booking page of {{ practice }}, with this address. To book "
            "it, confirm within {{ hold_minutes }} minutes:\n{{ link }}\n\nIf that was not "
            "you, ignore this message: nothing is booked unless the link is used.\n\n{{ "
            "practice }}"
        ),
        text=(
            "{{ practice }}: book {{ when }}? Confirm in {{ hold_minutes }} min: {{ link }} "
            "Not you? Ignore."
        ),
        urgent=True,
        ruleless=True,
        to_given_address=True,
        asked_for=True,
        unseen_by_practice=True,
    ),
    # To a member, at their own address: their two-step sign-in changed (practice/two_factor.py).
    # To a client who paid: the receipt, attached (practice.payments registers it).
    Kind.RECEIPT: Spec(
        key="receipt:{receipt}",
        too_late=DAYS(7),
        too_late_why="a receipt is e-mailed within a week of the payment",
        subject="Your receipt from {{ practice }}",
        body=(
            "Hello {{ first_name }},\n\nThank you for your payment. Your receipt is "
            "attached: keep it if you claim from a health fund or an insurer.\n\n"
            "With best wishes,\n{{ practice }}"
        ),
        urgent=True,
        ruleless=True,
    ),
    # To a client given money back, or whose e-mailed receipt was cancelled: the credit note.
    Kind.CREDIT_NOTE: Spec(
        key="credit_note:{receipt}",
        too_late=DAYS(7),
        too_late_why="a credit note is e-mailed within a week of being issued",
        subject="Your credit note from {{ practice }}",
        body=(
            "Hello {{ first_name }},\n\nYour credit note is attached. It records money we "
            "gave back to you, or a receipt we cancelled, with the reason; keep it with the "
            "receipt it refers to.\n\nWith best wishes,\n{{ practice }}"
        ),
        urgent=True,
        ruleless=True,
    ),
    # To a client who owes: what and how to pay, written when the therapist asks for it
    # (practice.payments), at most one a day.
    Kind.OWED_REMINDER: Spec(
        key="owed_reminder:{client}:{day}",
        too_late=DAYS(3),
        too_late_why="a reminder of what is owed goes out within 3 days of being asked for",
        subject="What is still to pay at {{ practice }}",
        body="",
        ruleless=True,
        prewritten=True,
    ),
    Kind.SECURITY_NOTICE: Spec(
        key="security_notice:{user}:{change}:{at}",
        too_late=DAYS(2),
        too_late_why="a notice about a change to a sign-in goes out within 2 days",
        subject="A change to your two-step sign-in",
        body="",
        urgent=True,
        ruleless=True,
        prewritten=True,
        to_practice=True,
        to_given_address=True,
    ),
    # A client's text that asks something of a person: a to-do, with their words as its body.
    Kind.TEXT_REPLY: Spec(
        key="text_reply:{client}:{at}",
        too_late=DAYS(30),
        too_late_why="a reply by text is on the to-do list for 30 days",
        subject="{{ first_name }} replied by text",
        body="",
        urgent=True,
        ruleless=True,
        prewritten=True,
        to_do=True,
    ),
}

URGENT_KINDS = {kind for kind, spec in KINDS.items() if spec.urgent}
MARKETING_KINDS = {kind for kind, spec in KINDS.items() if spec.marketing}
RULELESS_KINDS = {kind for kind, spec in KINDS.items() if spec.ruleless}
PREWRITTEN_KINDS = {kind for kind, spec in KINDS.items() if spec.prewritten}
TEXTED_KINDS = {kind for kind, spec in KINDS.items() if spec.text}
TO_DO_KINDS = {kind for kind, spec in KINDS.items() if spec.to_do}
UNSEEN_KINDS = {kind for kind, spec in KINDS.items() if spec.unseen_by_practice}


def key_for(kind, **cause):
    """The idempotency key of a message of `kind` for this cause (public ids, dates)."""
    return KINDS[kind].key.format(**cause)


def expires(kind, cause_at):
    """The moment past which a message of `kind` caused at `cause_at` is not sent."""
    return cause_at + KINDS[kind].too_late


def too_late_reason(kind):
    return f"{TOO_LATE_REASON}: {KINDS[kind].too_late_why}"
