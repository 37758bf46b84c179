"""Appointments, the practice's services and techniques, and signed session notes."""

import datetime
import hashlib
import json

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from clients.models import Client
from practice.evidence import no_truncate
from practice.tenant_model import TenantModel

from . import body

PAIN = [MinValueValidator(0), MaxValueValidator(10)]
PRESSURE = [MinValueValidator(1), MaxValueValidator(5)]


class Service(TenantModel):
    name = models.CharField(max_length=80)
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    price = models.DecimalField(
        max_digits=8, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    # On receipts where the practice prints what insurers ask for: CPT 97124, say.
    service_code = models.CharField(
        "service code", max_length=20, blank=True, help_text="For insurers, e.g. CPT 97124."
    )
    active = models.BooleanField(default=True)
    # What online booking needs.
    bookable_online = models.BooleanField(
        "clients may book it online",
        default=True,
        help_text="Shown on your booking page and in the links of your messages.",
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        "free time after, minutes",
        default=15,
        validators=[MaxValueValidator(240)],
        help_text="To change the table, wash hands and write the note.",
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        "book at least this many hours ahead",
        default=12,
        validators=[MaxValueValidator(24 * 14)],
    )
    horizon_days = models.PositiveSmallIntegerField(
        "book at most this many days ahead",
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    at_home = models.BooleanField(
        "at the client's home",
        default=False,
        help_text="Travel time is kept free before and after the session.",
    )
    travel_minutes = models.PositiveSmallIntegerField(
        "travel each way, minutes", default=0, validators=[MaxValueValidator(240)]
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def busy_minutes(self):
        """(before, after): the minutes around a session of this service that stay free."""
        travel = self.travel_minutes if self.at_home else 0
        return travel, self.buffer_minutes + travel


class Technique(TenantModel):
    name = models.CharField(max_length=60)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TransitionError(ValidationError):
    """A status change that the appointment's current status does not allow."""


class Appointment(TenantModel):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        COMPLETED = "completed", "Completed"
        CANCELLED_CLIENT = "cancelled_client", "Cancelled by client"
        CANCELLED_PRACTICE = "cancelled_practice", "Cancelled by practice"
        LATE_CANCELLATION = "late_cancellation", "Late cancellation"
        NO_SHOW = "no_show", "No-show"

    CANCELLED = {Status.CANCELLED_CLIENT, Status.CANCELLED_PRACTICE, Status.LATE_CANCELLATION}
    # Only a booked appointment changes status; the others are what happened.
    TRANSITIONS = {
        Status.BOOKED: {
            Status.COMPLETED,
            Status.CANCELLED_CLIENT,
            Status.CANCELLED_PRACTICE,
            Status.LATE_CANCELLATION,
            Status.NO_SHOW,
        },
    }

    class Via(models.TextChoices):
        PRACTICE = "practice", "Booked by the practice"
        BOOKING_PAGE = "booking_page", "Booked on the booking page"
        PERSONAL_LINK = "personal_link", "Booked from a link in a message"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.SET_NULL)
    # Whose calendar the session is in. Sessions booked before therapists had calendars
    # have none and keep every therapist of the practice busy.
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    start = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    price = models.DecimalField(
        max_digits=8, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    minutes_late = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(600)]
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    unpaid = models.BooleanField("not paid yet", default=False)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    booked_via = models.CharField(max_length=16, choices=Via.choices, default=Via.PRACTICE)
    # Chosen online in a practice that confirms each booking itself: the time is held, and
    # nothing but the acknowledgement goes to the client until the therapist confirms.
    awaiting_confirmation = models.BooleanField(default=False)
    # The gift card or offer code the client gave when booking online, to pay with.
    voucher_code = models.CharField(max_length=20, blank=True)
    # When the client confirmed they are coming (replying C to the reminder by text).
    confirmed_at = models.DateTimeField("confirmed by the client", null=True, blank=True)
    # The time the therapist's calendar is taken: the session with the service's travel
    # before and free time after. On PostgreSQL an exclusion constraint keeps two
    # uncancelled sessions of one therapist from overlapping (migration 0008).
    busy_from = models.DateTimeField(null=True, blank=True, editable=False)
    busy_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the session's note is signed, so "notes still to sign" is a small index
    # lookup rather than a search through every session ever held.
    note_signed = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["practice", "start"]),
            models.Index(fields=["client", "start"]),
            models.Index(
                fields=["practice", "start"],
                condition=models.Q(status="completed", note_signed=False),
                name="appointment_note_to_sign",
            ),
            # What is owed across the practice (Payments): held or missed, not paid yet.
            models.Index(
                fields=["practice", "start"],
                condition=models.Q(
                    unpaid=True, status__in=["completed", "no_show", "late_cancellation"]
                ),
                name="appointment_owed",
            ),
            # Booking requests waiting for the therapist (the dashboard's "to confirm").
            models.Index(
                fields=["practice", "start"],
                condition=models.Q(status="booked", awaiting_confirmation=True),
                name="appointment_to_confirm",
            ),
        ]

    def __str__(self):
        return f"{self.client}, {timezone.localtime(self.start):%-d %b %Y, %H:%M}"

    def save(self, *args, **kwargs):
        self.set_busy()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"start", "duration_minutes", "service"} & set(
            update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "busy_from", "busy_until"}
        super().save(*args, **kwargs)

    def set_busy(self):
        before, after = self.service.busy_minutes() if self.service_id else (0, 0)
        self.busy_from = self.start - datetime.timedelta(minutes=before)
        self.busy_until = self.end + datetime.timedelta(minutes=after)

    @property
    def end(self):
        return self.start + timezone.timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self):
        return self.status in self.CANCELLED

    @property
    def is_booked(self):
        return self.status == self.Status.BOOKED

    def check_transition(self, new_status):
        allowed = self.TRANSITIONS.get(self.status, set())
        if new_status not in allowed:
            raise TransitionError(
                f"This session is {self.get_status_display().lower()}: it cannot be marked "
                f"{self.Status(new_status).label.lower()}."
            )


def note_part_changes_with_amendment(name, *, note_column, message):
    """A check at commit: a row of a signed note's parts (its areas, its techniques) is
    added, changed or removed only in the transaction that signed the note or in one that
    wrote an amendment of it. `note_column` names the row's link to its note."""
    check = """
        SELECT 1 FROM treatment_sessions_sessionnote note
        WHERE note.id = %s AND note.signed_at IS NOT NULL
          AND note.signed_in IS DISTINCT FROM txid_current()
          AND NOT EXISTS (
              SELECT 1 FROM treatment_sessions_noteamendment amendment
              WHERE amendment.note_id = note.id AND amendment.written_in = txid_current()
          )
    """
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        timing=pgtrigger.Deferred,
        func=pgtrigger.Func(
            f"""
            IF TG_OP <> 'DELETE' AND EXISTS ({check % f"NEW.{note_column}"}) THEN
                RAISE EXCEPTION '{message}';
            END IF;
            IF TG_OP <> 'INSERT' AND EXISTS ({check % f"OLD.{note_column}"}) THEN
                RAISE EXCEPTION '{message}';
            END IF;
            RETURN NULL;
            """
        ),
    )


class NoteTemplate(TenantModel):
    """A service's note as the practice usually writes it: new notes of its sessions start
    from it. Changing it changes only notes not yet written."""

    # The note's text fields a template may prefill, in the note's order.
    TEXT_FIELDS = (
        "subjective",
        "posture",
        "range_of_motion",
        "palpation",
        "assessment",
        "home_care",
        "next_visit",
    )

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="note_template")
    subjective = models.TextField("what the client usually reports", max_length=4000, blank=True)
    posture = models.TextField(max_length=2000, blank=True)
    range_of_motion = models.TextField("range of motion", max_length=2000, blank=True)
    palpation = models.TextField(max_length=2000, blank=True)
    assessment = models.TextField(max_length=4000, blank=True)
    home_care = models.TextField("home care", max_length=2000, blank=True)
    next_visit = models.CharField("recommended next visit", max_length=120, blank=True)
    techniques = models.ManyToManyField(Technique, blank=True, related_name="+")
    areas = models.JSONField("usual areas", default=list, blank=True)  # body.REGIONS keys
    asks_pain_before = models.BooleanField("the note asks for pain before", default=True)
    asks_pain_after = models.BooleanField("the note asks for pain after", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Note template for {self.service}"

    def initial(self):
        """The new note's fields and area rows, as "copy from the last note" gives them."""
        fields = {name: getattr(self, name) for name in self.TEXT_FIELDS}
        fields["techniques"] = list(self.techniques.filter(active=True))
        return fields, [{"region": region} for region in self.areas]

    @property
    def unasked(self):
        """The ratings a note from this template leaves out."""
        asks = {"pain_before": self.asks_pain_before, "pain_after": self.asks_pain_after}
        return [name for name, asked in asks.items() if not asked]


class SessionNote(TenantModel):
    """The SOAP record of one completed appointment. Signed notes change only by amendment."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="note")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="notes")

    subjective = models.TextField("what the client reports", max_length=4000, blank=True)
    changes_since_last = models.TextField("changes since last visit", max_length=2000, blank=True)
    pain_before = models.PositiveSmallIntegerField(
        "pain before (0-10)", null=True, blank=True, validators=PAIN
    )
    posture = models.TextField(max_length=2000, blank=True)
    range_of_motion = models.TextField("range of motion", max_length=2000, blank=True)
    palpation = models.TextField(max_length=2000, blank=True)
    assessment = models.TextField(max_length=4000, blank=True)
    home_care = models.TextField("home care", max_length=2000, blank=True)
    next_visit = models.CharField("recommended next visit", max_length=120, blank=True)

    techniques = models.ManyToManyField(Technique, blank=True, through="NoteTechnique")
    pain_after = models.PositiveSmallIntegerField(
        "pain after (0-10)", null=True, blank=True, validators=PAIN
    )
    pressure_checked = models.BooleanField("pressure checked with the client", default=False)
    consent_confirmed = models.BooleanField("consent to treatment confirmed", default=False)

    pain_flagged = models.BooleanField(default=False, editable=False)
    pain_flag_reason = models.TextField(
        "why the pain reached the threshold", max_length=2000, blank=True
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signed_content = models.JSONField(null=True, blank=True, editable=False)
    signed_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The PostgreSQL transaction that signed it (txid_current()): the note's areas and
    # techniques may be written in it, and after it only with an amendment.
    signed_in = models.BigIntegerField(null=True, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)

    # The fields that make up the clinical record, in the order the note shows them.
    CLINICAL_FIELDS = (
        "subjective",
        "changes_since_last",
        "pain_before",
        "posture",
        "range_of_motion",
        "palpation",
        "assessment",
        "home_care",
        "next_visit",
        "pain_after",
        "pressure_checked",
        "consent_confirmed",
        "pain_flag_reason",
    )

    class Meta:
        indexes = [models.Index(fields=["practice", "signed_at"])]
        triggers = [
            # Below the app too (PostgreSQL): a signed note is never deleted, its signature
            # never changes, and its content changes only in a transaction that records an
            # amendment of it (checked at commit, since the amendment is written after the
            # fields; txid_current() names the top-level transaction, savepoints or not).
            pgtrigger.Protect(
                name="signed_note_not_deleted",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__signed_at__isnull=False),
            ),
            pgtrigger.Trigger(
                name="signed_note_changes_with_amendment",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                timing=pgtrigger.Deferred,
                condition=pgtrigger.Q(old__signed_at__isnull=False),
                func=pgtrigger.Func(
                    """
                    IF NEW.signed_at IS DISTINCT FROM OLD.signed_at
                        OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
                        OR NEW.signed_hash IS DISTINCT FROM OLD.signed_hash
                        OR NEW.signed_content IS DISTINCT FROM OLD.signed_content
                        OR NEW.signed_in IS DISTINCT FROM OLD.signed_in THEN
                        RAISE EXCEPTION 'The signature of a signed note cannot change.';
                    END IF;
                    IF NOT EXISTS (
                        SELECT 1 FROM treatment_sessions_noteamendment amendment
                        WHERE amendment.note_id = NEW.id
                          AND amendment.written_in = txid_current()
                    ) THEN
                        RAISE EXCEPTION 'A signed note changes only with an amendment.';
                    END IF;
                    RETURN NULL;
                    """
                ),
            ),
            no_truncate("signed_notes_not_emptied"),
        ]

    def __str__(self):
        return f"Note for {self.appointment}"

    @property
    def is_signed(self):
        return self.signed_at is not None

    def highest_pain(self):
        values = [area.max_pain for area in self.areas.all() if area.max_pain is not None]
        values += [v for v in (self.pain_before, self.pain_after) if v is not None]
        return max(values, default=None)

    def canonical(self, areas=None, techniques=None):
        """The note's clinical content as plain, ordered data: what the hash is taken of.

        `areas` and `techniques` (names) may be given for a note not saved yet."""
        areas = self.areas.all() if areas is None else areas
        techniques = [t.name for t in self.techniques.all()] if techniques is None else techniques
        return {
            "note": str(self.public_id),
            "appointment": str(self.appointment.public_id),
            "client": str(self.client.public_id),
            # In UTC, as the database gives it back: a start still in local time in memory
            # (a summer session, just booked) must hash the same as after a reload.
            "session_start": self.appointment.start.astimezone(datetime.UTC).isoformat(),
            **{name: getattr(self, name) for name in self.CLINICAL_FIELDS},
            "techniques": sorted(techniques),
            "areas": [area.canonical() for area in areas],
        }

    @staticmethod
    def hash_of(content):
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def verify(self):
        """True when the stored content still matches the hashes taken at signing."""
        if not self.is_signed:
            return False
        original_ok = self.hash_of(self.signed_content) == self.signed_hash
        return original_ok and self.hash_of(self.canonical()) == self.content_hash


class NoteArea(TenantModel):
    """One body area in a note: tension found, pressure used and the highest pain reported."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="areas")
    region = models.CharField(max_length=20, choices=body.REGIONS)
    side = models.CharField(max_length=10, choices=body.SIDES, default="both")
    aspect = models.CharField(max_length=10, choices=body.ASPECTS, default="back")
    tension = models.CharField(max_length=10, choices=body.TENSION, blank=True)
    pressure = models.PositiveSmallIntegerField(
        "pressure (1-5)", null=True, blank=True, validators=PRESSURE
    )
    max_pain = models.PositiveSmallIntegerField(
        "highest pain (0-10)", null=True, blank=True, validators=PAIN
    )

    class Meta:
        ordering = ["pk"]
        triggers = [
            note_part_changes_with_amendment(
                "signed_note_areas_change_with_amendment",
                note_column="note_id",
                message="The areas of a signed note change only with an amendment.",
            ),
            no_truncate("note_areas_not_emptied"),
        ]

    def __str__(self):
        return (
            f"{self.get_region_display()} ({self.get_side_display()}, {self.get_aspect_display()})"
        )

    def canonical(self):
        return {
            "region": self.region,
            "side": self.side,
            "aspect": self.aspect,
            "tension": self.tension,
            "pressure": self.pressure,
            "max_pain": self.max_pain,
        }


class NoteTechnique(models.Model):
    """A technique used in a note (the link table Django would make, named so that the
    database can protect a signed note's techniques like its other content)."""

    sessionnote = models.ForeignKey(SessionNote, on_delete=models.CASCADE)
    technique = models.ForeignKey(Technique, on_delete=models.CASCADE)

    class Meta:
        db_table = "treatment_sessions_sessionnote_techniques"
        unique_together = [("sessionnote", "technique")]
        triggers = [
            note_part_changes_with_amendment(
                "signed_note_techniques_change_with_amendment",
                note_column="sessionnote_id",
                message="The techniques of a signed note change only with an amendment.",
            ),
            no_truncate("note_techniques_not_emptied"),
        ]

    def __str__(self):
        return f"{self.technique} in {self.sessionnote}"


class NoteAmendment(TenantModel):
    """A change to a signed note: who, when, why, and each field's old and new value."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="amendments")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(max_length=2000)
    changes = models.JSONField()  # [{"field": ..., "label": ..., "old": ..., "new": ...}]
    hash_before = models.CharField(max_length=64)
    hash_after = models.CharField(max_length=64)
    # The PostgreSQL transaction that wrote it (txid_current()), for the note's trigger.
    written_in = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(
                name="amendment_unchangeable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            no_truncate("amendments_not_emptied"),
        ]

    def __str__(self):
        return f"Amendment of {self.note} at {self.at:%Y-%m-%d %H:%M}"


class CalendarFeed(TenantModel):
    """A private iCalendar address for one member's phone calendar; only its hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"


class WorkingHours(TenantModel):
    """One stretch of a therapist's usual week, in the practice's local time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField("from")
    ends = models.TimeField("until")

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="hours_end_after_start"
            )
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M} to {self.ends:%H:%M}"


class TimeOff(TenantModel):
    """An exception to the usual week: a holiday, a blocked afternoon. No therapist: the
    whole practice is closed."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField("from")
    ends_at = models.DateTimeField("until")
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="time_off_ends_after"
            )
        ]

    def __str__(self):
        return f"Time off from {self.starts_at:%Y-%m-%d %H:%M}"


class BookingLinkQuerySet(models.QuerySet):
    def usable(self, now=None):
        return self.filter(expires_at__gt=now or timezone.now(), client__erased_at=None)


class BookingLink(TenantModel):
    """A client's personal link to their sessions (see, move, cancel, book again), sent in
    a message. Only the SHA-256 of its random token is kept."""

    LIFETIME = datetime.timedelta(days=120)

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="booking_links")
    # The service a "choose a time" link opens with: the client's last one.
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.SET_NULL)
    # A waitlist offer: the cancelled session whose time this link takes.
    offer = models.ForeignKey(
        "Appointment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(
        _manager_class=models.Manager.from_queryset(BookingLinkQuerySet), practice="practice"
    )

    def __str__(self):
        return f"Booking link of {self.client}"


class BookingHoldQuerySet(models.QuerySet):
    def active(self, now=None):
        """Holds that still keep their time: not confirmed, not expired."""
        return self.filter(confirmed_at=None, expires_at__gt=now or timezone.now())


class BookingHold(TenantModel):
    """A time chosen on the public booking page, held until whoever asked confirms it from
    the link sent to the address or number they typed. Until then it is nobody's session:
    the practice sees nothing of it, no client record is made or touched, and after
    LIFETIME its time is free again. What was typed is kept here only, for the booking
    the confirmation makes (and deleted a day later, confirmed or not)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateTimeField()
    busy_from = models.DateTimeField(editable=False)
    busy_until = models.DateTimeField(editable=False)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    email = models.EmailField(blank=True)
    mobile = models.CharField(max_length=20, blank=True)
    # Where the link went (the channel chosen on the page): what confirming proves.
    channel = models.CharField(max_length=10)
    voucher_code = models.CharField(max_length=20, blank=True)  # given on the page, if any
    token_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager(
        _manager_class=models.Manager.from_queryset(BookingHoldQuerySet), practice="practice"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["practice", "start"],
                condition=models.Q(confirmed_at=None),
                name="booking_hold_open",
            ),
            models.Index(fields=["token_hash"], name="booking_hold_token"),
        ]

    def __str__(self):
        return f"Held time {self.start:%Y-%m-%d %H:%M}"

    @property
    def address(self):
        """The address or number the link went to."""
        return self.mobile if self.channel == "sms" else self.email

    def set_busy(self):
        before, after = self.service.busy_minutes()
        self.busy_from = self.start - datetime.timedelta(minutes=before)
        length = datetime.timedelta(minutes=self.service.duration_minutes + after)
        self.busy_until = self.start + length


class WaitlistEntry(TenantModel):
    """A client who asked to hear when an earlier time frees up: earlier than their booked
    session, or any time at all when they have none."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "waitlist"
        indexes = [
            models.Index(
                fields=["practice", "service"],
                condition=models.Q(closed_at=None),
                name="waitlist_open",
            )
        ]

    def __str__(self):
        return f"{self.client} waiting for {self.service}"
