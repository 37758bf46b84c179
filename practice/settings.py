"""One settings module, configured from the environment.

Development runs on embedded defaults (SQLite in var/, a file-system Celery broker);
production sets DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS. See README.md.
"""

import datetime
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")
# What development keeps on disk: the SQLite database, the file broker, the texts' log.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on; anything else must be given one.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "development-only-key-never-used-with-debug-off-" + "x" * 20

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "practice.apps.PracticeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "dbbackup",
    "django_countries",
    "anymail",
    "pgtrigger",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "practice",
    "practice.payments",
    "practice.front",
    "practice.tooling",
    "clients",
    "sessions.apps.SessionsConfig",
    "complaints",
    "followups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "practice.security.NoStoreMiddleware",  # after WhiteNoise: static files stay cacheable
    "practice.front.health.HealthMiddleware",  # /health/ loads no session, no user
    "django.contrib.sessions.middleware.SessionMiddleware",
    "practice.security.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "practice.security.CleanInputMiddleware",  # before CSRF reads the posted token
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "practice.tenancy.CurrentPracticeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",  # renders RATELIMIT_VIEW (429)
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into the "locked" page
]

ROOT_URLCONF = "practice.urls"
WSGI_APPLICATION = "practice.wsgi.application"
ASGI_APPLICATION = "practice.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practice.navigation.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share the file: WAL lets readers and one writer overlap, and
    # IMMEDIATE transactions wait for the lock instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not shared memory, so the browser tests' server threads get real connections.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People ---------------------------------------------------------------------------
AUTH_USER_MODEL = "practice.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Repeated failed sign-ins lock that e-mail address from that address for a while.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failed sign-ins from one address over all e-mails (practice/forms.py), django-ratelimit's
# "count/period" form.
SIGN_IN_FAILURES_PER_ADDRESS = env.str("SIGN_IN_FAILURES_PER_ADDRESS", default="30/h")
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field, holding the e-mail
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = [env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Massage practice")

# --- Time and language ----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production serves hashed, compressed copies made by collectstatic.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# --- Backups ----------------------------------------------------------------------------
# Everything the practices' records live in is the database (reports and PDFs included):
# a backup is a dump of it, compressed and encrypted to the operator's GPG key, written to
# BACKUP_DIR by `manage.py backup` and by beat once a day (practice/backups.py).
BACKUP_DIR = env.str("BACKUP_DIR", default=str(VAR_DIR / "backups"))
BACKUP_GPG_RECIPIENT = env.str("BACKUP_GPG_RECIPIENT", default="")
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
BACKUP_MAX_AGE_HOURS = env.int("BACKUP_MAX_AGE_HOURS", default=24)
STORAGES["dbbackup"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": BACKUP_DIR},
}
DBBACKUP_GPG_RECIPIENT = BACKUP_GPG_RECIPIENT or None
DBBACKUP_GPG_ALWAYS_TRUST = True  # the operator's own key, imported on purpose
DBBACKUP_CLEANUP_KEEP = BACKUP_KEEP
DBBACKUP_SEND_EMAIL = False  # the admin and /health/ show how backups go
DBBACKUP_HOSTNAME = "practice"

# Tests and development serve files straight from static/ without collectstatic.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ---------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)  # EMAIL_BACKEND, EMAIL_HOST, ...
# A provider's own backend (django-anymail's, say) may be named instead of EMAIL_URL's.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_BACKEND)  # noqa: F821 (set just above)
# How long a mail server or the text provider may take to answer: well inside a follow-up's
# lease, so a slow provider never outlives it.
SEND_TIMEOUT_SECONDS = env.int("SEND_TIMEOUT_SECONDS", default=10)
EMAIL_TIMEOUT = SEND_TIMEOUT_SECONDS

# django-anymail: a provider's API key for its backend and the secrets its delivery reports
# are checked with, from ANYMAIL_* variables, e.g. ANYMAIL_MAILGUN_API_KEY,
# ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY, or ANYMAIL_WEBHOOK_SECRET=user:password (Postmark,
# SendGrid, Brevo). A provider without them has no report URL.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Practice <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------
# Safe by default with DEBUG off; each switch can be turned off for a proxy that
# terminates TLS and redirects on its own.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# A sign-in ends after this long without a request (every request extends it).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=60 * 60 * 4)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from our own files (no inline scripts, no eval); styles may be inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Cache and rate limits -----------------------------------------------------------
# Rate limits count in the cache, so production (several web processes) shares Redis.
REDIS_URL = env.str("REDIS_URL", default="")
# Redis as the cache, answering "not kept" when it cannot be reached (practice/cache.py).
REDIS_CACHE_BACKEND = "practice.cache.ForgivingRedisCache"
CACHES = {
    "default": {"BACKEND": REDIS_CACHE_BACKEND, "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
RATELIMIT_VIEW = "practice.front.views.rate_limited"
# Only a load test on loopback turns this off (every simulated user has the same address).
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# With the cache unreachable, public forms stay open rather than turning every client away.
RATELIMIT_FAIL_OPEN = True
# Behind a proxy, the client's address is in a header, e.g. HTTP_X_FORWARDED_FOR.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")
INTAKE_FORM_RATE = env.str("INTAKE_FORM_RATE", default="10/h")
# The booking pages: bookings, moves and cancellations sent, and pages opened, per address.
BOOKING_FORM_RATE = env.str("BOOKING_FORM_RATE", default="20/h")
# How long a time chosen on the public booking page is held for its confirmation link.
BOOKING_HOLD_MINUTES = env.int("BOOKING_HOLD_MINUTES", default=30)
BOOKING_PAGE_RATE = env.str("BOOKING_PAGE_RATE", default="300/h")

# --- Messages to clients ---------------------------------------------------------------
# Links in e-mails and texts start with this address.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SMS_BACKEND = env.str("SMS_BACKEND", default="followups.channels.ConsoleSmsBackend")
SMS_FILE = env.str("SMS_FILE", default=str(VAR_DIR / "sms.log"))
# Stripe's API is reached at its own address; tests point this at a local stand-in.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Where Stripe's Checkout pages are: the pages whose form goes on there allow it.
STRIPE_CHECKOUT_ORIGIN = env.str("STRIPE_CHECKOUT_ORIGIN", default="https://checkout.stripe.com")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
QUIET_HOURS = (env.int("QUIET_HOURS_START", default=20), env.int("QUIET_HOURS_END", default=9))
FOLLOWUP_MAX_ATTEMPTS = env.int("FOLLOWUP_MAX_ATTEMPTS", default=5)
# A dispatcher renews its lease while it works, so a short lease only decides how soon the
# rows of a dispatcher that died are taken over (with the 15 s tick below: within 45 s).
FOLLOWUP_LEASE_SECONDS = env.int("FOLLOWUP_LEASE_SECONDS", default=30)
# How long a dispatcher keeps trying to record a sent message while the database is away.
FOLLOWUP_OUTCOME_RETRY_SECONDS = env.int("FOLLOWUP_OUTCOME_RETRY_SECONDS", default=60)

# --- Clients --------------------------------------------------------------------------
INTAKE_LINK_DAYS = env.int("INTAKE_LINK_DAYS", default=14)
# Signed notes and incidents of an erased client are kept this long after the last one.
CLINICAL_RETENTION_YEARS = env.int("CLINICAL_RETENTION_YEARS", default=8)

# --- Background work ------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    # No Redis configured: an embedded broker made of files under var/broker, so that
    # `make run` needs no system service. Production always sets REDIS_URL.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "record-heartbeat": {"task": "practice.tasks.record_heartbeat", "schedule": 60.0},
    # A tick nobody picked up within its interval is dropped: the next one does its work.
    "dispatch-followups": {
        "task": "followups.tasks.dispatch_due",
        "schedule": 15.0,
        "options": {"expires": 15.0},
    },
    "plan-daily-followups": {"task": "followups.tasks.plan_daily", "schedule": 60.0 * 60},
    "purge-erased-clients": {"task": "clients.tasks.purge_erased", "schedule": 60.0 * 60 * 24},
    "take-backup": {"task": "practice.tasks.take_backup", "schedule": 60.0 * 60 * 24},
    "forget-old-booking-holds": {
        "task": "sessions.tasks.forget_old_holds",
        "schedule": 60.0 * 60,
    },
    # Reports asked for before they went through the outbox get their row (then nothing).
    "send-waiting-reports": {
        "task": "complaints.tasks.send_waiting_reports",
        "schedule": 60.0 * 5,
    },
}
# The dashboard's twelve-month figures and lapsed clients are recomputed this often.
DASHBOARD_FIGURES_SECONDS = env.int("DASHBOARD_FIGURES_SECONDS", default=600)
# The dashboard warns when the scheduler has been silent for longer than this.
HEARTBEAT_STALE_AFTER_SECONDS = env.int("HEARTBEAT_STALE_AFTER_SECONDS", default=300)

# --- Error reports ----------------------------------------------------------------------
# With a DSN, errors (and a sample of requests, for slow ones) go to Sentry, scrubbed of
# everything personal (practice/monitoring.py). Without one the SDK is never imported.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from practice import monitoring

    monitoring.init(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=""),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# --- Logging --------------------------------------------------------------------------
# Logs carry ids and counts, never what clients or therapists wrote. SQL is not logged
# even at LOG_LEVEL=DEBUG (its parameters would be notes and health answers), and error
# reports hide every form value and local variable (practice/security.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "practice.security.HealthDataReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
