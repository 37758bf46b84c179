"""Complaints (and the steps to resolve them), incidents, and reports sent to insurers."""

import hashlib
import json

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models import Client
from practice.evidence import no_truncate
from practice.tenant_model import TenantModel
from sessions.models import Appointment

ACK_TARGET = timezone.timedelta(hours=24)


class Complaint(TenantModel):
    class Via(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "E-mail"
        IN_PERSON = "in_person", "In person"
        TEXT = "text", "Text message"
        REVIEW = "review", "Online review"
        CHECKIN = "checkin", "Check-in reply"

    class Category(models.TextChoices):
        PRESSURE = "pressure", "Pressure"
        PAIN = "pain", "Pain or injury"
        TIMING = "timing", "Timing or lateness"
        BILLING = "billing", "Billing"
        COMMUNICATION = "communication", "Communication or boundaries"
        HYGIENE = "hygiene", "Hygiene or premises"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Offer(models.TextChoices):
        NONE = "none", "Nothing"
        GIFT_CARD = "gift_card", "Gift card"
        PRODUCT = "product", "A product"
        COMPLIMENTARY = "complimentary", "Complimentary session"
        REFUND = "refund", "Refund"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="complaints")
    received_at = models.DateTimeField(default=timezone.now)
    received_via = models.CharField(max_length=12, choices=Via.choices)
    category = models.CharField(max_length=15, choices=Category.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    client_words = models.TextField("in the client's words", max_length=4000)
    sessions = models.ManyToManyField(Appointment, blank=True, related_name="complaints")

    offer = models.CharField(max_length=15, choices=Offer.choices, blank=True)
    offer_value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    outcome = models.TextField(max_length=2000, blank=True)
    lessons = models.TextField("what I will do differently", max_length=2000, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_category_display()} complaint from {self.client}"

    @property
    def is_open(self):
        return self.closed_at is None

    def ack_deadline(self):
        return self.received_at + ACK_TARGET

    def is_overdue(self, now=None):
        """Open, not yet acknowledged, and past the 24-hour target."""
        now = now or timezone.now()
        return self.is_open and self.acknowledged_at is None and now > self.ack_deadline()

    def time_to_acknowledge(self):
        return self.acknowledged_at - self.received_at if self.acknowledged_at else None


class ComplaintStep(TenantModel):
    """One step of the resolution, done at a time, with a note."""

    class Step(models.TextChoices):
        LISTENED = "listened", "Listened and acknowledged"
        APOLOGISED = "apologised", "Took responsibility and apologised"
        EXPLAINED = "explained", "Explained what happened"
        AGREED = "agreed", "Agreed a solution with the client"
        OFFERED = "offered", "Offered something for the trouble"
        FOLLOW_UP = "follow_up", "Scheduled a follow-up"
        CLOSED = "closed", "Closed"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=12, choices=Step.choices)
    done_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["done_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["complaint", "step"], name="each_step_once")]

    def __str__(self):
        return f"{self.get_step_display()} at {self.done_at:%Y-%m-%d %H:%M}"


AMENDED_IN_THIS_TRANSACTION = """
    SELECT 1 FROM complaints_incidentamendment amendment
    WHERE amendment.incident_id = %s AND amendment.written_in = txid_current()
"""


class Incident(TenantModel):
    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        REPORTED = "reported", "Reported to insurer"
        CLOSED = "closed", "Closed"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="incidents")
    onset_at = models.DateTimeField("symptoms started", null=True, blank=True)
    reported_at = models.DateTimeField(default=timezone.now)
    reported_by = models.CharField(
        max_length=120, blank=True, help_text="Who told you, and how (e.g. the client, by phone)."
    )
    symptoms = models.TextField(max_length=4000, blank=True)
    body_regions = models.CharField(max_length=300, blank=True, help_text="Where, in words.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MILD)
    sessions = models.ManyToManyField(
        Appointment, blank=True, related_name="incidents", through="IncidentSession"
    )
    other_findings = models.TextField(
        "what other practitioners found",
        max_length=4000,
        blank=True,
        help_text="For example a physiotherapist's diagnosis or imaging.",
    )
    actions_taken = models.TextField(max_length=4000, blank=True)
    insurer_notified_on = models.DateField(null=True, blank=True)
    claim_reference = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    checkin = models.OneToOneField(
        "followups.CheckIn",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incident",
        editable=False,
    )

    # Who typed it in (none when a client's "worse" answer opened it): they may read it
    # back even when their role does not let them manage incidents.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    statement = models.TextField("my statement", max_length=10000, blank=True)
    statement_signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    statement_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    statement_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The PostgreSQL transaction that signed the statement (see IncidentSession).
    statement_signed_in = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # What happened, as the therapist signed it: once the statement is signed these change
    # only with an amendment (who, when, why, each field's old and new value), like a
    # signed note. The claim's progress (status, the insurer's dates and reference) is not
    # evidence and changes freely.
    FACTS = (
        "client",
        "onset_at",
        "reported_at",
        "reported_by",
        "symptoms",
        "body_regions",
        "severity",
        "other_findings",
        "actions_taken",
    )

    class Meta:
        ordering = ["-reported_at"]
        triggers = [
            # Below the app too (PostgreSQL): a signed statement is never changed or
            # unsigned, and an incident with one is never deleted.
            pgtrigger.Protect(
                name="signed_statement_unchangeable",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__statement_signed_at__isnull=False)
                & (
                    pgtrigger.Q(old__statement__df=pgtrigger.F("new__statement"))
                    | pgtrigger.Q(
                        old__statement_signed_at__df=pgtrigger.F("new__statement_signed_at")
                    )
                    | pgtrigger.Q(
                        old__statement_signed_by__df=pgtrigger.F("new__statement_signed_by")
                    )
                    | pgtrigger.Q(old__statement_hash__df=pgtrigger.F("new__statement_hash"))
                ),
            ),
            pgtrigger.Protect(
                name="signed_incident_not_deleted",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__statement_signed_at__isnull=False),
            ),
            pgtrigger.Trigger(
                name="signed_incident_facts_change_with_amendment",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                timing=pgtrigger.Deferred,
                condition=pgtrigger.Q(old__statement_signed_at__isnull=False),
                func=pgtrigger.Func(
                    "IF ("
                    + " OR ".join(
                        f"NEW.{column} IS DISTINCT FROM OLD.{column}"
                        for column in (
                            "client_id",
                            "onset_at",
                            "reported_at",
                            "reported_by",
                            "symptoms",
                            "body_regions",
                            "severity",
                            "other_findings",
                            "actions_taken",
                            "statement_signed_in",
                        )
                    )
                    + f") AND NOT EXISTS ({AMENDED_IN_THIS_TRANSACTION % 'NEW.id'}) THEN "
                    "RAISE EXCEPTION 'A signed incident changes only with an amendment.'; "
                    "END IF; RETURN NULL;"
                ),
            ),
            no_truncate("incidents_not_emptied"),
        ]

    def __str__(self):
        return f"Incident for {self.client} reported {self.reported_at:%Y-%m-%d}"

    def can_be_read_by(self, membership):
        """Owners manage every incident; anyone else reads back only what they recorded."""
        return membership.is_owner or self.recorded_by_id == membership.user_id

    @property
    def statement_locked(self):
        return self.statement_signed_at is not None

    def statement_content(self):
        return {"incident": str(self.public_id), "statement": self.statement}

    def statement_verifies(self):
        return self.statement_locked and self.statement_hash == sha256_json(
            self.statement_content()
        )


SIGNED_EARLIER_UNAMENDED = """
    SELECT 1 FROM complaints_incident incident
    WHERE incident.id = %s AND incident.statement_signed_at IS NOT NULL
      AND incident.statement_signed_in IS DISTINCT FROM txid_current()
      AND NOT EXISTS (
          SELECT 1 FROM complaints_incidentamendment amendment
          WHERE amendment.incident_id = incident.id AND amendment.written_in = txid_current()
      )
"""


class IncidentSession(models.Model):
    """A session an incident is about (the link table Django would make, named so that the
    database can keep a signed incident's sessions as they were signed)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE)

    class Meta:
        db_table = "complaints_incident_sessions"
        unique_together = [("incident", "appointment")]
        triggers = [
            pgtrigger.Trigger(
                name="signed_incident_sessions_change_with_amendment",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                timing=pgtrigger.Deferred,
                func=pgtrigger.Func(
                    "IF TG_OP <> 'DELETE' AND EXISTS ("
                    + SIGNED_EARLIER_UNAMENDED % "NEW.incident_id"
                    + ") THEN RAISE EXCEPTION 'The sessions of a signed incident change only "
                    "with an amendment.'; END IF; "
                    "IF TG_OP <> 'INSERT' AND EXISTS ("
                    + SIGNED_EARLIER_UNAMENDED
                    % "OLD.incident_id"
                    + ") THEN RAISE EXCEPTION 'The sessions of a signed incident change only "
                    "with an amendment.'; END IF; RETURN NULL;"
                ),
            ),
            no_truncate("incident_sessions_not_emptied"),
        ]

    def __str__(self):
        return f"{self.appointment} in {self.incident}"


class IncidentAmendment(TenantModel):
    """A change to a signed incident: who, when, why, and each field's old and new value."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="amendments")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(max_length=2000)
    changes = models.JSONField()  # [{"field", "label", "old_text", "new_text"}]
    # The PostgreSQL transaction that wrote it (txid_current()), for the incident's trigger.
    written_in = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(
                name="incident_amendment_unchangeable",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            no_truncate("incident_amendments_not_emptied"),
        ]

    def __str__(self):
        return f"Amendment of {self.incident} at {self.at:%Y-%m-%d %H:%M}"


def sha256_json(content):
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class IncidentReport(TenantModel):
    """A rendered report, kept byte for byte, and where it was sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        KEPT = "kept", "Downloaded, not sent"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="reports")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    pages = models.PositiveSmallIntegerField(default=0)
    sent_to = models.EmailField(blank=True)
    cover_message = models.TextField(max_length=4000, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The outbox row that e-mails it (complaints/sending.py), like every other message.
    followup = models.OneToOneField(
        "followups.FollowUp",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="insurer_report",
    )

    class Meta:
        ordering = ["-created_at"]
        triggers = [
            # Below the app too (PostgreSQL): once its PDF is kept, a report's bytes and
            # hash never change and the report is never deleted.
            pgtrigger.Protect(
                name="kept_report_unchangeable",
                operation=pgtrigger.Update,
                condition=~pgtrigger.Q(old__sha256="")
                & (
                    pgtrigger.Q(old__pdf__df=pgtrigger.F("new__pdf"))
                    | pgtrigger.Q(old__sha256__df=pgtrigger.F("new__sha256"))
                    | pgtrigger.Q(old__incident__df=pgtrigger.F("new__incident"))
                ),
            ),
            pgtrigger.Protect(
                name="kept_report_not_deleted",
                operation=pgtrigger.Delete,
                condition=~pgtrigger.Q(old__sha256=""),
            ),
            no_truncate("kept_reports_not_emptied"),
        ]

    def __str__(self):
        return f"Report on {self.incident} ({self.get_status_display()})"
