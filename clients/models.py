"""Clients, their consent to be contacted, and their intake submissions."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django_scopes import ScopedManager

from practice.tenant_model import TenantModel

from . import agreements, health, questions


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"
    PHONE = "phone", "Phone call"
    LETTER = "letter", "Letter"


# The channels that need the client's consent before an automatic message is sent.
CONSENT_CHANNELS = (Channel.EMAIL, Channel.SMS)


class Client(TenantModel):
    # A client's personal details, named once: the client form, the intake form, applying
    # a form to the record and erasure all start from these two lists.
    CONTACT_DETAILS = (
        "first_name",
        "last_name",
        "pronouns",
        "date_of_birth",
        "email",
        "mobile",
        "address",
        "emergency_contact_name",
        "emergency_contact_phone",
    )
    OTHER_PERSONAL_DETAILS = (
        "email_consent",
        "sms_consent",
        "source_detail",
        "tags",
        "private_notes",
        "referring_physician",
        "diagnosis_code",
        "red_flags",
        "has_red_flags",
        "answer_flags",
        "allergies",
        "undeliverable",
    )

    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        MOVED_ON = "moved_on", "Moved on"

    class Source(models.TextChoices):
        REFERRAL = "referral", "Recommended by someone"
        SEARCH = "search", "Web search"
        SOCIAL = "social", "Social media"
        PROMOTION = "promotion", "Promotion or voucher"
        RETURNING = "returning", "Returning client"
        OTHER = "other", "Other"

    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField("e-mail", max_length=254, blank=True)
    mobile = models.CharField(max_length=20, blank=True, help_text="Stored as +CountryNumber.")
    address = models.TextField("postal address", max_length=500, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True)

    preferred_channel = models.CharField(
        "preferred contact", max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    email_consent = models.BooleanField("may be e-mailed", default=False)
    sms_consent = models.BooleanField("may be texted", default=False)

    source = models.CharField(
        "heard of us through", max_length=20, choices=Source.choices, blank=True
    )
    source_detail = models.CharField(
        max_length=120, blank=True, help_text="Who recommended, or the voucher or promotion code."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROSPECT)
    tags = models.CharField(max_length=200, blank=True, help_text="Comma-separated.")
    private_notes = models.TextField(max_length=5000, blank=True)
    # On receipts where the practice prints what insurers and health funds ask for.
    referring_physician = models.CharField("referred by (physician)", max_length=120, blank=True)
    diagnosis_code = models.CharField(
        "diagnosis code",
        max_length=20,
        blank=True,
        help_text="From the referring physician, e.g. ICD-10 M54.5: printed on receipts "
        "where the practice prints what insurers ask for.",
    )

    # Kept from the latest intake so lists can filter without reading every submission.
    red_flags = models.JSONField(default=list, blank=True, editable=False)
    has_red_flags = models.BooleanField(default=False, editable=False)
    # Red flags from the practice's own questions: [{"label": ..., "level": ...}], as asked.
    answer_flags = models.JSONField(default=list, blank=True, editable=False)
    allergies = models.CharField(max_length=500, blank=True, editable=False)
    intake_completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the client last said how their health is: a re-check or a new intake form.
    health_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What a provider reported it could not deliver to, by channel: {"email": {"address":
    # ..., "reason": ..., "at": ...}}. It holds only while the client's address is that one.
    undeliverable = models.JSONField(default=dict, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Erased at the client's request: personal data gone, clinical records kept until then.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    retain_until = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            # The list's order, the primary key last: the last page reads the index in order.
            models.Index(
                fields=["practice", "last_name", "first_name", "id"], name="client_by_name"
            ),
            models.Index(fields=["practice", "email"]),
            models.Index(fields=["practice", "mobile"]),
            models.Index(  # the dashboard's clients we cannot reach
                fields=["practice"],
                condition=~models.Q(undeliverable={}),
                name="client_unreachable",
            ),
            models.Index(  # the dashboard's new enquiries
                fields=["practice", "created_at"],
                condition=models.Q(status="prospect"),
                name="client_prospects",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return self.name_of(self.first_name, self.last_name)

    @staticmethod
    def name_of(first_name, last_name):
        """How a client's name is shown, also for rows read without a Client instance."""
        return f"{first_name} {last_name}".strip()

    @property
    def tag_list(self):
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    def flagged_conditions(self):
        """The standard checklist's flags and those of the practice's own questions,
        contraindications first."""
        own = [questions.Flag(**flag) for flag in self.answer_flags]
        flagged = [*health.red_flags(self.red_flags), *own]
        return sorted(flagged, key=lambda flag: flag.level != health.CONTRAINDICATION)

    def address_for(self, channel):
        return {Channel.EMAIL: self.email, Channel.SMS: self.mobile}.get(channel, "")

    def bounced(self, channel):
        """The provider's report that this channel's current address cannot be reached, as
        {"address", "reason", "at"}, or None (a new address starts afresh)."""
        report = self.undeliverable.get(channel)
        if report and report.get("address") == self.address_for(channel):
            return {**report, "at": datetime.datetime.fromisoformat(report["at"])}
        return None

    def can_reach(self, channel):
        return bool(self.address_for(channel)) and self.bounced(channel) is None

    def mark_undeliverable(self, channel, address, reason, at):
        """Record that `address` cannot be reached; ignored if the client has moved on to
        another address since that message went out."""
        if not address or address != self.address_for(channel):
            return False
        self.undeliverable = {
            **self.undeliverable,
            channel: {"address": address, "reason": reason[:300], "at": at.isoformat()},
        }
        self.save(update_fields=["undeliverable", "updated_at"])
        return True

    def has_consent(self, channel):
        return {Channel.EMAIL: self.email_consent, Channel.SMS: self.sms_consent}.get(channel, True)

    def record_consent(self, channel, given, how, by=None):
        """Set consent for an e-mail or text channel; log it when it changes."""
        field = f"{channel}_consent"
        if getattr(self, field) == given and self.consent_events.filter(channel=channel).exists():
            return None
        setattr(self, field, given)
        self.save(update_fields=[field, "updated_at"])
        return ConsentEvent.objects.create(
            practice=self.practice, client=self, channel=channel, given=given, how=how, by=by
        )


class ConsentEvent(TenantModel):
    """When and how a client gave or withdrew consent to a channel."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consent_events")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    given = models.BooleanField()
    how = models.CharField(max_length=120)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        allowed = "allowed" if self.given else "not allowed"
        return f"{self.get_channel_display()}: {allowed} ({self.how})"


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class IntakeLinkQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class IntakeLink(TenantModel):
    """A personal intake link. Only the token's hash is stored; the link is shown once."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intake_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(
        _manager_class=models.Manager.from_queryset(IntakeLinkQuerySet), practice="practice"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Intake link for {self.client} ({self.state})"

    @property
    def state(self):
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @classmethod
    def issue(cls, client, by, *, revoke_older=True, token_bytes=24):
        """Create a link for the client; return (link, token). A link the therapist makes
        replaces the older ones; a link in an automatic message leaves them working, so
        the form link in an earlier message still opens (each expires on its own). The
        re-check link takes 12 bytes (96 bits: still out of reach of guessing at the rate
        the intake pages allow, before it expires), so that a text reminder carrying it and
        "Reply C to confirm" stays one text."""
        now = timezone.now()
        if revoke_older:
            client.intake_links.filter(revoked_at__isnull=True).update(revoked_at=now)
        token = secrets.token_urlsafe(token_bytes)  # 192 bits unless asked; fits a text
        link = cls.objects.create(
            practice=client.practice,
            client=client,
            token_hash=hash_token(token),
            created_by=by,
            expires_at=now + timezone.timedelta(days=settings.INTAKE_LINK_DAYS),
        )
        return link, token

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class IntakeSubmission(TenantModel):
    """One filled-in intake form: a version that is never changed after it is saved."""

    class Via(models.TextChoices):
        LINK = "link", "Personal link"
        PUBLIC_FORM = "public", "New-client form"
        IMPORT = "import", "Imported"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intake_submissions")
    version = models.PositiveIntegerField()
    # The form as the client saw it (the practice's questions then); kept with the answers.
    form_version = models.ForeignKey(
        "IntakeFormVersion", null=True, on_delete=models.PROTECT, related_name="submissions"
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    answers = models.JSONField()
    submitted_at = models.DateTimeField(default=timezone.now)
    signed_name = models.CharField(max_length=160)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # One form page's nonce: a second press of "send" finds the first version.
    nonce = models.CharField(max_length=64)
    # A new-client form that matched an existing client waits for the therapist.
    needs_review = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    applied = models.BooleanField(default=False)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="one_number_per_version"),
            models.UniqueConstraint(fields=["practice", "nonce"], name="one_version_per_form"),
        ]
        indexes = [  # the dashboard's "waiting for review"
            models.Index(
                fields=["practice", "submitted_at"],
                condition=models.Q(needs_review=True),
                name="intake_to_review",
            )
        ]

    def __str__(self):
        return f"Intake v{self.version} for {self.client}"

    def save(self, *args, **kwargs):
        if self.pk and kwargs.get("update_fields") is None:
            raise ValueError("Intake submissions are versions: save review fields only.")
        super().save(*args, **kwargs)

    def flagged_conditions(self):
        ticked = self.answers.get("conditions", [])
        own = questions.flags(self.asked_questions, self.answers.get("questions", {}), ticked)
        flagged = [*health.red_flags(ticked), *own]
        return sorted(flagged, key=lambda flag: flag.level != health.CONTRAINDICATION)

    @property
    def asked_questions(self):
        """The practice's own questions as this client was asked them."""
        return self.form_version.questions if self.form_version_id else []


class HealthCheck(TenantModel):
    """A returning client's answer to "has anything changed since your last visit?":
    nothing (one tap), or changed, with the intake version they sent."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="health_checks")
    checked_at = models.DateTimeField(default=timezone.now)
    changed = models.BooleanField(default=False)
    submission = models.OneToOneField(
        IntakeSubmission, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self):
        return f"Health re-check for {self.client}"


class IntakeQuestion(TenantModel):
    """One of the practice's own intake questions as the owner is writing it: the draft.
    Clients answer a published copy (IntakeFormVersion), so editing never changes what
    someone was asked."""

    # Names the question across versions (its answers are kept under it); never reused.
    key = models.CharField(max_length=24, editable=False)
    section = models.CharField(max_length=80, help_text="A heading for questions that go together.")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField("question", max_length=200)
    help_text = models.CharField("help below the question", max_length=300, blank=True)
    kind = models.CharField("answered with", max_length=20, choices=questions.Kind.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField("an answer is required", default=False)
    show_if = models.ForeignKey(
        "self",
        verbose_name="show only after the question",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shown_after",
    )
    show_if_answer = models.CharField("is answered", max_length=200, blank=True)
    show_if_condition = models.CharField(
        "or only when the client ticks",
        max_length=40,
        blank=True,
        choices=[(condition.key, condition.label) for condition in health.CONDITIONS],
        help_text="On the standard health checklist.",
    )
    FLAG_LEVELS = [
        (health.CAUTION, "Caution"),
        (health.CONTRAINDICATION, "Contraindication: may rule massage out"),
    ]
    flag_level = models.CharField("red flag", max_length=20, blank=True, choices=FLAG_LEVELS)
    flag_answer = models.CharField("raised by the answer", max_length=200, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "key"], name="one_question_per_key")
        ]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = secrets.token_hex(6)
        super().save(*args, **kwargs)

    def shown_after_checklist(self):
        return questions.CHECKLIST if self.show_if_condition else ""

    def published(self):
        """The question as a version keeps it: plain values, the deciding question by key."""
        return {
            "key": self.key,
            "section": self.section,
            "label": self.label,
            "help_text": self.help_text,
            "kind": self.kind,
            "choices": list(self.choices),
            "required": self.required,
            "show_if": self.show_if.key if self.show_if_id else self.shown_after_checklist(),
            "show_if_answer": self.show_if_answer if self.show_if_id else self.show_if_condition,
            "flag_level": self.flag_level,
            "flag_answer": self.flag_answer if self.flag_level else "",
        }


class IntakeFormVersion(TenantModel):
    """A published intake form: the practice's questions and the standard checklist as
    they read when it was published. Never changed; a client's answers point at it."""

    number = models.PositiveIntegerField()
    questions = models.JSONField(default=list)
    checklist = models.JSONField(default=list)
    agreements = models.JSONField(default=list)  # what the client signs, word for word
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="one_form_per_number")
        ]

    def __str__(self):
        return f"Intake form version {self.number}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("A published intake form is never changed: publish a new one.")
        super().save(*args, **kwargs)

    @classmethod
    def current(cls, practice):
        """The version new forms use: the one the practice last published, or the first
        (the standard checklist alone) for a practice that has published none."""
        return cls.numbered(practice, practice.intake_form_number)

    @classmethod
    def numbered(cls, practice, number):
        """The practice's version `number`, or None. A version never changes, so once
        read it is kept in the cache for good (the form page's own query saved)."""
        if (kept := cache.get(cls.cache_key(practice, number))) is not None:
            return cls.from_db("default", cls.KEPT_FIELDS, kept)
        version = cls.objects.filter(practice=practice, number=number).first()
        if version is None and number == 1:
            return cls.first(practice)
        return version.keep(practice) if version is not None else None

    # What the cache keeps of a version: its own columns, none of the rows it points at.
    KEPT_FIELDS = (
        "id",
        "practice_id",
        "public_id",
        "number",
        "questions",
        "checklist",
        "agreements",
        "published_at",
        "published_by_id",
    )

    @staticmethod
    def cache_key(practice, number):
        return f"intake-form:2:{practice.pk}:{practice.public_id}:{number}"

    def keep(self, practice):
        kept = [getattr(self, name) for name in self.KEPT_FIELDS]
        cache.set(self.cache_key(practice, self.number), kept, None)
        return self

    @classmethod
    def first(cls, practice):
        try:
            with transaction.atomic():
                version = cls.objects.create(
                    practice=practice,
                    number=1,
                    checklist=questions.checklist(),
                    agreements=Agreement.standard(practice),
                )
        except IntegrityError:  # a second first form at the same moment: take it
            version = cls.objects.get(practice=practice, number=1)
        return version.keep(practice)


class Agreement(TenantModel):
    """One of the texts a client signs, as the owner is writing it: the draft. Clients
    sign a published copy (IntakeFormVersion.agreements)."""

    key = models.CharField(max_length=24, editable=False)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=120)
    body = models.TextField("text", max_length=6000)
    required = models.BooleanField(
        "the client must agree to send the form",
        default=True,
        help_text="Leave unticked for something a client may decline, such as photos.",
    )
    before_booking = models.BooleanField(
        "shown before booking online",
        default=False,
        help_text="For a policy clients should read before they choose a time.",
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "key"], name="one_agreement_per_key")
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = secrets.token_hex(6)
        super().save(*args, **kwargs)

    @property
    def is_treatment_consent(self):
        return self.key == agreements.TREATMENT

    def published(self):
        return {
            "key": self.key,
            "title": self.title,
            "body": self.body,
            "required": self.required or self.is_treatment_consent,
            "before_booking": self.before_booking,
        }

    @classmethod
    def standard(cls, practice):
        """Write a new practice's standard agreements as its draft; their published form."""
        texts = agreements.standard(practice)
        rows = [cls(practice=practice, position=n, **text) for n, text in enumerate(texts, 1)]
        cls.objects.bulk_create(rows, ignore_conflicts=True)
        return texts


class MoveReason(models.TextChoices):
    NEEDS_NOT_MET = "needs", "My work does not meet their needs"
    BOUNDARIES = "boundaries", "Boundaries not kept"
    PRACTICE_FULL = "full", "Practice full"
    OTHER = "other", "Other"


class MoveMethod(models.TextChoices):
    REFER_ON = "refer", "Refer them on"
    WILL_NOT_SEE = "end", "Tell them I will not see them again"
    DECLINE_NEW = "decline", "Decline a new client"


class Referral(TenantModel):
    """The client was pointed to another practitioner (while staying, or on leaving)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="referrals")
    practitioner = models.ForeignKey(
        "practice.Practitioner", on_delete=models.PROTECT, related_name="referrals"
    )
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.client} referred to {self.practitioner}"


class MoveOn(TenantModel):
    """The end of a therapeutic relationship: why, how, and the message that was sent."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="move_ons")
    reason = models.CharField(max_length=12, choices=MoveReason.choices)
    method = models.CharField(max_length=12, choices=MoveMethod.choices)
    message = models.TextField(max_length=4000)
    followup = models.ForeignKey(
        "followups.FollowUp", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.client} moved on ({self.get_reason_display()})"


class MoveOnTemplate(TenantModel):
    """A practice's own wording for one reason and method of moving a client on."""

    reason = models.CharField(max_length=12, choices=MoveReason.choices)
    method = models.CharField(max_length=12, choices=MoveMethod.choices)
    body = models.TextField(max_length=4000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "reason", "method"], name="one_wording_per_way"
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} / {self.get_method_display()}"
