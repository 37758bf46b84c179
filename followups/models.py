"""The outbox: one row for every planned contact with a client, before anything is sent."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models import Client
from practice.tenant_model import TenantModel
from sessions.models import Appointment

from .kinds import MARKETING_KINDS, TOO_LATE_REASON, URGENT_KINDS, Kind


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"
    TASK = "task", "To-do (call or letter)"


# A call or letter the therapist still has to make (it has a partial index of its own).
OPEN_TODO = models.Q(channel="task", status="sent", done_at__isnull=True)


class FollowUp(TenantModel):
    """Every update of a row writes to each of its indexes, and the dispatcher updates each
    row twice, so this table keeps only the indexes its queries use: no separate index on
    practice or client (the composite ones lead with them) and no LIKE index on the key."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"

    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="followups", db_index=False
    )
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followups",
        db_index=False,
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=254, blank=True, help_text="Where it went, when sent.")
    due_at = models.DateTimeField()
    # Past this the message is no longer useful and is skipped, not sent (followups/kinds.py).
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    skip_reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Who holds a row in "sending" and until when (see followups/dispatch.py).
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=200)  # unique: see Meta
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    # When subject and body were rendered: from then on every try sends exactly these, so
    # two copies of one message (if a crash ever causes them) carry the same links.
    rendered_at = models.DateTimeField(null=True, blank=True)
    step = models.PositiveSmallIntegerField(default=0, help_text="Place in a sequence.")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    # Complaint and incident links are added by the complaints app's migration.
    invitation = models.ForeignKey(
        "practice.Invitation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followups",
    )
    # A time held on the public booking page, whose confirmation link this carries.
    hold = models.ForeignKey(
        "treatment_sessions.BookingHold",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the provider reported the message delivered (texts, through Twilio's callback).
    delivered_at = models.DateTimeField(null=True, blank=True)
    # For to-dos (calls and letters): when the therapist did it, and what came of it.
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            # What the dispatcher claims: only rows still to send are in it.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["scheduled", "sending"]),
                name="followup_to_send",
            ),
            models.Index(fields=["practice", "status", "due_at"]),
            models.Index(fields=["client", "sent_at"]),
            models.Index(fields=["provider_id"]),
            models.Index(
                fields=["practice"],
                condition=OPEN_TODO,
                name="followup_open_todo",
            ),
        ]
        constraints = [
            # A constraint, not unique=True, which would add a second (LIKE) index on PostgreSQL.
            models.UniqueConstraint(fields=["idempotency_key"], name="followup_once_per_key"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.client or self.practice} ({self.status})"

    @property
    def is_urgent(self):
        return self.kind in URGENT_KINDS

    @property
    def is_marketing(self):
        return self.kind in MARKETING_KINDS

    @property
    def may_send_anyway(self):
        """Skipped only for being late: the therapist may still send it on purpose (never a
        reminder for a session that has started)."""
        return (
            self.status == self.Status.SKIPPED
            and self.skip_reason.startswith(TOO_LATE_REASON)
            and self.kind != Kind.REMINDER
        )

    def cancel(self, reason):
        """Cancel a row that has not been sent; return whether it was cancelled."""
        updated = FollowUp.objects.filter(pk=self.pk, status=self.Status.SCHEDULED).update(
            status=self.Status.CANCELLED, skip_reason=reason[:200]
        )
        return bool(updated)


class Attempt(TenantModel):
    """One try at sending a follow-up, written in the transaction that records its outcome."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self):
        return f"Attempt at {self.started_at:%Y-%m-%d %H:%M:%S}: {'ok' if self.ok else 'failed'}"


class Rule(TenantModel):
    """A practice's settings for one kind of follow-up: on or off, timing, wording."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    days = models.PositiveSmallIntegerField(
        default=1, help_text="Days after (or before) the event."
    )
    hours = models.PositiveSmallIntegerField(default=0, help_text="Hours before the session.")
    at_time = models.TimeField(
        null=True, blank=True, help_text="Time of day to send, in the practice's time zone."
    )
    sequence = models.CharField(
        max_length=60, blank=True, help_text="Days after the cancellation, e.g. 0, 3, 10."
    )
    margin_percent = models.PositiveSmallIntegerField(
        default=50, help_text="How far past their usual interval a client counts as lapsed."
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=4000, blank=True)
    text = models.TextField(
        "text message",
        max_length=640,
        blank=True,
        help_text="What a text message says. Keep it short: 160 plain characters are one text.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "kind"], name="one_rule_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({'on' if self.enabled else 'off'})"

    def sequence_days(self):
        return [int(part) for part in self.sequence.replace(" ", "").split(",") if part.isdigit()]

    def at(self, day, practice_tz):
        """An aware datetime on `day` at the rule's time of day in the practice's zone."""
        at_time = self.at_time or datetime.time(10, 0)
        return datetime.datetime.combine(day, at_time, tzinfo=practice_tz)


class UnverifiedText(TenantModel):
    """A text that came in claiming to be from one of the practice's clients, without a
    signature we could check. That it came is kept, never acted on, and shown to the
    therapist: a forged STOP must not withdraw consent, and a real one must not be lost
    silently. Its words are not kept: anyone can send them, and under the client's name
    on the dashboard they would read as the client's."""

    received_at = models.DateTimeField(default=timezone.now)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=120)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["practice", "received_at"])]

    def __str__(self):
        return f"Unverified text at {self.received_at:%-d %b %Y, %H:%M}"


def inbound_texts_unverifiable():
    """Why texts from clients cannot be verified here, or an empty string."""
    if settings.SMS_BACKEND.endswith("TwilioSmsBackend") and not settings.TWILIO_AUTH_TOKEN:
        return "TWILIO_AUTH_TOKEN is not set"
    return ""


class CheckIn(TenantModel):
    """The client's answer to "how do you feel?" after a session.

    Its link answers once. A change of mind soon after (CHANGE_WINDOW) is taken and kept
    as a change, the first answer beside it; after that the link shows the answer and
    takes no other. A question about how the client feels after a massage means nothing
    a week later: the link closes ANSWERABLE after the session."""

    CHANGE_WINDOW = datetime.timedelta(hours=1)
    ANSWERABLE = datetime.timedelta(days=7)

    class Answer(models.TextChoices):
        BETTER = "better", "Better"
        SAME = "same", "About the same"
        WORSE = "worse", "Worse"

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="checkin"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="checkins")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    comment = models.TextField(max_length=2000, blank=True)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How the client rated the session, 1 to 5."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # A change of mind inside the window: the answer first given, and when it changed.
    first_answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    # "Worse" answers alert the therapist until they mark it seen.
    alerted_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["practice", "answered_at"],
                condition=models.Q(answer="worse", seen_at__isnull=True),
                name="checkin_worse_unseen",
            )
        ]

    def __str__(self):
        return f"Check-in for {self.appointment}: {self.answer or 'no answer yet'}"

    def is_open(self, now=None):
        """Whether the link still takes an answer: a first one before it closes, or a
        change of mind inside the window after the first answer."""
        now = now or timezone.now()
        if now >= self.appointment.start + self.ANSWERABLE:
            return False
        return self.answered_at is None or (
            self.changed_at is None and now < self.answered_at + self.CHANGE_WINDOW
        )
