"""People, practices and who belongs to which."""

import uuid
import zoneinfo
from email.utils import formataddr, parseaddr

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django_countries.fields import CountryField
from django_scopes import ScopedManager

from .evidence import no_truncate
from .tenant_model import TenantModel


class EmailUserManager(UserManager):
    """Users sign in with their e-mail address; there is no separate username."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("e-mail address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()

    def __str__(self):
        return self.get_full_name() or self.email


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone from the list, for example Europe/London.")


class Practice(models.Model):
    """A massage practice: the tenant that owns every client, note and message."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True, editable=False)
    time_zone = models.CharField(
        max_length=64, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    currency = models.CharField(
        max_length=3,
        default="GBP",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter code such as GBP or EUR.")],
        help_text="Three-letter code, for example GBP, EUR or USD.",
    )
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(
        "e-mail", blank=True, help_text="Clients' replies to the practice's e-mails go here."
    )
    address = models.TextField(blank=True)
    country = CountryField(
        default="GB", help_text="Phone numbers without a country code are read as from here."
    )
    require_two_factor = models.BooleanField(
        "everyone signs in with a code from their phone",
        default=False,
        help_text="Two-step sign-in for every member of the practice.",
    )
    # The published intake form new clients get (clients.IntakeFormVersion's number): read
    # with the practice on every request, so the form page needs no query to find it.
    intake_form_number = models.PositiveIntegerField(default=1, editable=False)
    is_full = models.BooleanField(
        "practice is full",
        default=False,
        help_text="The new-client form then says you are not taking new clients.",
    )

    class HealthRecheck(models.TextChoices):
        IN_REMINDER = "reminder", "In the reminder before each visit"
        OWN_MESSAGE = "message", "In a message of its own, before the reminder"
        OFF = "off", "Not asked"

    health_recheck = models.CharField(
        "ask returning clients whether their health has changed",
        max_length=10,
        choices=HealthRecheck.choices,
        default=HealthRecheck.IN_REMINDER,
        help_text="A link: one tap says nothing changed, or the client updates what did. "
        "The message of its own goes two days before unless you change it in Follow-ups.",
    )
    intake_max_age_months = models.PositiveSmallIntegerField(
        "months before a full intake form is asked again",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    cancellation_policy = models.TextField(
        blank=True, help_text="A short note quoted in booking confirmations."
    )
    late_arrival_policy = models.TextField(
        blank=True, help_text="What happens when a client arrives late for a session."
    )
    online_booking = models.BooleanField(
        "clients may book online",
        default=False,
        help_text="Opens your booking page and puts a link to choose a time in your messages.",
    )
    confirm_online_bookings = models.BooleanField(
        "confirm each online booking yourself",
        default=False,
        help_text="Off: a time a client chooses is booked at once. On: it is held for them "
        "until you confirm or decline it.",
    )
    cancellation_notice_hours = models.PositiveSmallIntegerField(
        "hours' notice to cancel or move",
        default=24,
        help_text="Clients can move or cancel from their link until then; cancelling later "
        "is recorded as a late cancellation.",
    )
    pain_threshold = models.PositiveSmallIntegerField(
        default=8,
        validators=[MaxValueValidator(10)],
        help_text="Pain reported at or above this level (0-10) during a session is flagged.",
    )

    # The therapist's professional registration, printed on reports for the insurer.
    licence_body = models.CharField(
        "registered with",
        max_length=120,
        blank=True,
        help_text="The professional body or authority that licenses you.",
    )
    licence_number = models.CharField("licence or registration number", max_length=64, blank=True)

    # Printed on every receipt.
    tax_number = models.CharField(
        "tax or business number",
        max_length=64,
        blank=True,
        help_text="Printed on receipts, as health funds and tax offices ask.",
    )
    no_show_fee = models.DecimalField(
        "fee for a missed session",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Owed when a client does not come. Empty: no fee.",
    )
    late_cancellation_fee = models.DecimalField(
        "fee for a late cancellation",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Owed when a client cancels inside the notice period. Empty: no fee.",
    )
    insurer_receipts = models.BooleanField(
        "receipts carry what insurers and health funds ask for",
        default=False,
        help_text="The provider number, each service's code and the client's diagnosis code "
        "from a referring physician: the receipt then serves as a superbill.",
    )
    provider_number = models.CharField(
        "provider number",
        max_length=64,
        blank=True,
        help_text="The number insurers or health funds know you by (an NPI in the US).",
    )
    takes_tips = models.BooleanField(
        "clients may add a tip",
        default=False,
        help_text="A tip is recorded apart from the price and never shown on a receipt.",
    )

    insurer_name = models.CharField("indemnity insurer", max_length=120, blank=True)
    insurance_policy_number = models.CharField("policy number", max_length=64, blank=True)
    insurance_expires_on = models.DateField("policy expiry date", null=True, blank=True)
    insurer_claims_email = models.EmailField("insurer's claims e-mail", blank=True)

    # Boundary signals: how many in 12 months before the client page shows a hint.
    late_arrival_limit = models.PositiveSmallIntegerField(default=3)
    no_show_limit = models.PositiveSmallIntegerField(default=2)
    late_cancellation_limit = models.PositiveSmallIntegerField(default=2)
    unpaid_limit = models.PositiveSmallIntegerField(default=1)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._unique_slug()
        super().save(*args, **kwargs)

    def _unique_slug(self):
        base = slugify(self.name)[:120] or "practice"
        slug, n = base, 1
        while Practice.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    @property
    def sender(self):
        """ "Calm Hands <noreply@…>": every e-mail carries the practice's name on the
        server's own address (a provider only sends from a domain it has verified)."""
        _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        return formataddr((self.name, address))

    def owner_emails(self):
        """The owners' e-mail addresses, the first owner first."""
        owners = self.memberships.filter(role=Membership.Role.OWNER).order_by("pk")
        return list(owners.values_list("user__email", flat=True))

    def contact_email(self):
        """Where the practice reads its mail: its own address, else its first owner's."""
        return self.email or next(iter(self.owner_emails()), "")

    def insurance_days_left(self, today=None):
        """Days until the indemnity policy expires (negative once expired), or None."""
        if not self.insurance_expires_on:
            return None
        today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(self.time_zone))
        return (self.insurance_expires_on - today).days


class Membership(TenantModel):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ASSISTANT = "assistant", "Assistant"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ASSISTANT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="one_membership_per_practice")
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) at {self.practice}"

    @property
    def is_owner(self):
        return self.role == self.Role.OWNER


class Invitation(TenantModel):
    """An owner's invitation to join the practice with a role. Its link carries a random
    token, stored only as a hash, made when the e-mail is rendered (it goes through the
    follow-up outbox like every other e-mail); it works once, for INVITATION_DAYS."""

    email = models.EmailField("e-mail")
    role = models.CharField(
        max_length=16, choices=Membership.Role.choices, default=Membership.Role.ASSISTANT
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Invitation for {self.email} ({self.get_role_display()})"

    @property
    def is_open(self):
        return not self.accepted_at and not self.withdrawn_at and self.expires_at > timezone.now()


class Backup(models.Model):
    """A backup that was taken (practice/backups.py): when, where, how big, how long."""

    taken_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["-taken_at"]
        get_latest_by = "taken_at"

    def __str__(self):
        return f"Backup {self.filename}"


class Heartbeat(models.Model):
    """When a periodic background job last ran: proof the worker and scheduler are alive."""

    name = models.CharField(max_length=64, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.last_seen_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, name):
        cls.objects.update_or_create(name=name, defaults={"last_seen_at": timezone.now()})

    @classmethod
    def status(cls, name):
        """Return (last_seen_at, is_stale) for the named job; (None, True) if it never ran."""
        row = cls.objects.filter(name=name).first()
        if row is None:
            return None, True
        age = (timezone.now() - row.last_seen_at).total_seconds()
        return row.last_seen_at, age > settings.HEARTBEAT_STALE_AFTER_SECONDS


class Practitioner(TenantModel):
    """Someone in the practice's referral network."""

    class Profession(models.TextChoices):
        MASSAGE = "massage", "Massage therapist"
        PHYSIO = "physio", "Physiotherapist"
        CHIRO = "chiro", "Chiropractor"
        OSTEO = "osteo", "Osteopath"
        DOCTOR = "doctor", "Doctor"
        COUNSELLOR = "counsellor", "Counsellor"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120)
    profession = models.CharField(max_length=12, choices=Profession.choices)
    specialties = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated, e.g. deep tissue, sports, prenatal."
    )
    clinic = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField("e-mail", blank=True)
    website = models.URLField(blank=True)
    area = models.CharField(max_length=120, blank=True, help_text="Where they work.")
    accepting = models.BooleanField("accepting new clients", default=True)
    accepting_confirmed_on = models.DateField("last confirmed", null=True, blank=True)
    notes = models.TextField("private notes", max_length=2000, blank=True)

    class Meta:
        ordering = ["name"]

    @classmethod
    def taking_new_clients(cls, practice):
        """The colleagues taking new clients, as an enquirer is shown them."""
        return cls.objects.filter(practice=practice, accepting=True).order_by("profession", "name")

    def __str__(self):
        return f"{self.name} ({self.get_profession_display()})"

    @property
    def specialty_list(self):
        return [s.strip() for s in self.specialties.split(",") if s.strip()]

    def contact_lines(self):
        """The details a client needs to get in touch, one per line."""
        parts = [self.clinic, self.area, self.phone, self.email, self.website]
        return "\n".join(p for p in parts if p)


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail cannot be changed.")

    def delete(self):
        raise PermissionError("The audit trail cannot be deleted.")


class AuditEvent(TenantModel):
    """Who looked at, changed, exported, rendered or sent a client's clinical data."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"
        SIGN = "sign", "Signed"
        EXPORT = "export", "Exported"
        RENDER = "render", "Rendered a PDF of"
        EMAIL = "email", "E-mailed"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    client = models.ForeignKey(
        "clients.Client", null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    what = models.CharField(max_length=120)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = ScopedManager(
        _manager_class=models.Manager.from_queryset(AuditQuerySet), practice="practice"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        triggers = [
            # Below the app too (PostgreSQL): the trail is only ever added to.
            pgtrigger.Protect(
                name="audit_trail_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            no_truncate("audit_trail_not_emptied"),
        ]

    def __str__(self):
        return f"{self.user} {self.get_action_display().lower()} {self.what}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("The audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail cannot be deleted.")
