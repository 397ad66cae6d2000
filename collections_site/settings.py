"""
Settings for the collections back office.

Everything that differs between a laptop and production is read from the
environment here, and only here (django-environ). With no environment at all the
site runs embedded: SQLite in WAL mode and a file-system Celery broker under var/.
"""

from datetime import timedelta
import os
from pathlib import Path
import secrets
from urllib.parse import urlsplit, urlunsplit

from celery.schedules import crontab
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
import environ

from collections_site.api_settings import *  # noqa: F403 (API_APPS, API_SCHEDULE, REST_FRAMEWORK, …)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
# The test suite runs in several processes at once (pytest-xdist, README "Tests"). Each
# one gets its own var/ folder (test database, outbox, file-system broker), unless VAR_DIR
# names one, and its own Redis database (below), so parallel tests never share a file or
# a queue. Subprocesses that a test starts inherit the variable and land in the same place.
_test_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _test_worker and "VAR_DIR" not in os.environ:
    VAR_DIR = VAR_DIR / "test-workers" / _test_worker
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    TIME_ZONE=(str, "Asia/Shanghai"),
    REDIS_URL=(str, ""),
    REQUIRE_SERVICES=(bool, False),
)


def _secret(name: str, file_name: str) -> str:
    """A secret from the environment, else one generated once and kept in var/."""
    if env.str(name, default=""):
        return env.str(name)
    key_file = VAR_DIR / file_name
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret("SECRET_KEY", "secret_key")

# The audit ledger's signing key (audit/ledger.py): never in the database, so someone who
# can write the database cannot re-seal what they changed. Rotate with a new AUDIT_LEDGER_KEY_ID
# and key, the old ones in AUDIT_LEDGER_OLD_KEYS ("id=key,id=key"): entries name their key.
# Sealing off is for measuring its cost only (bench/load); `check --deploy` refuses it.
AUDIT_LEDGER_SEALING = env.bool("AUDIT_LEDGER_SEALING", default=True)
AUDIT_LEDGER_KEY_ID = env.str("AUDIT_LEDGER_KEY_ID", default="k1")
AUDIT_LEDGER_KEYS = {
    **env.dict("AUDIT_LEDGER_OLD_KEYS", default={}),
    AUDIT_LEDGER_KEY_ID: _secret("AUDIT_LEDGER_KEY", "audit_ledger_key"),
}
# Each sealed head is appended here (and handed to the sinks, dotted paths of callables taking
# the anchor line): verification checks the database against it. Keep a copy off the server.
AUDIT_ANCHOR_FILE = Path(env.str("AUDIT_ANCHOR_FILE", default=str(VAR_DIR / "audit-anchor.log")))
AUDIT_ANCHOR_SINKS = env.list("AUDIT_ANCHOR_SINKS", default=[])
# The loan feed: the largest upload the import page accepts (a bigger file is refused
# before it is read), and where an upload waits for the worker that imports it.
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=100)
IMPORT_DIR = VAR_DIR / "imports"
# Live tables whose rows are evidence: the verifier compares each with its latest sealed
# history row and names any field changed outside the application (audit/live.py).
AUDIT_EVIDENCE_MODELS = [
    "cases.CollectionCase",
    "cases.Hold",
    "cases.PromiseToPay",
    "cases.RepaymentPlan",
    "cases.Installment",
    "cases.Payment",
    "contacts.ContactAttempt",
    "contacts.ChannelOptOut",
    "contacts.Callback",
    "visits.FieldVisit",
    "compliance.Complaint",
]
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
# Set by CI: tests that need PostgreSQL or Redis must run, not skip.
REQUIRE_SERVICES = env("REQUIRE_SERVICES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_fsm",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "core",
    "audit",
    "policy",
    "accounts",
    "cases",
    "contacts",
    "visits",
    "compliance",
    "desk",
    "preferences",
    "demo",
    "bench",
    *API_APPS,  # noqa: F405
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps a signed-in session alive while it is used (idle expiry).
    "accounts.sessions.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's saved interface language wins over cookie and browser.
    "preferences.middleware.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.user.is_verified(), then: staff in OTP_REQUIRED_GROUPS show a TOTP token first.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Stamps every history row written during a request with request.user.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "collections_site.urls"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "collections_site.wsgi.application"

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; IMMEDIATE takes the write
    # lock at BEGIN so two writers queue on the busy timeout instead of failing with
    # "database is locked" half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL and _test_worker:
    # Test worker gwN uses the database N places after the one REDIS_URL names.
    _redis = urlsplit(REDIS_URL)
    _redis_db = int(_redis.path.strip("/") or 0) + int(_test_worker.removeprefix("gw"))
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_redis_db}"))
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        # A long job's progress, which the worker writes and the web process reads (core/progress.py).
        "progress": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "progress": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "progress"),
        },
    }
    # kombu's file-system transport: a broker that needs no server, for one machine.
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # The same transport, writing each message whole before a worker can see it (broker.py).
    CELERY_BROKER_TRANSPORT = "collections_site.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
CELERY_TIMEZONE = env("TIME_ZONE")
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Jobs are declared here, in code, and reviewed like code (not edited in a database):
# the nightly cycle must not be switched off by a click. See README "Scheduled work".
# Every entry runs core.tasks.run_scheduled_job with the job's name (jobs are declared in
# each app's jobs.py), so every run is kept as a JobRun whichever way it was started.
_JOB = "core.tasks.run_scheduled_job"
CELERY_BEAT_SCHEDULE = {
    "check-promises": {"task": _JOB, "args": ["check_promises"], "schedule": crontab(hour=0, minute=30)},
    "refresh-delinquency": {"task": _JOB, "args": ["refresh_delinquency"], "schedule": crontab(hour=1, minute=0)},
    # New cases get a collector after the night opened them (also a step of the nightly cycle).
    "allocate-cases": {"task": _JOB, "args": ["allocate_cases"], "schedule": crontab(hour=1, minute=30)},
    "take-kpi-snapshot": {"task": _JOB, "args": ["take_kpi_snapshot"], "schedule": crontab(hour=1, minute=45)},
    "plan-reminders": {"task": _JOB, "args": ["plan_reminders"], "schedule": crontab(minute=15)},
    "dispatch-outbox": {"task": _JOB, "args": ["dispatch_outbox"], "schedule": 60.0},
    "release-expired-holds": {"task": _JOB, "args": ["release_expired_holds"], "schedule": 15 * 60.0},
    "send-visit-notices": {"task": _JOB, "args": ["send_visit_notices"], "schedule": 15 * 60.0},
    "forget-receipt-nonces": {"task": _JOB, "args": ["forget_receipt_nonces"], "schedule": 15 * 60.0},
    "compliance-scan": {"task": _JOB, "args": ["compliance_scan"], "schedule": crontab(hour=2, minute=30)},
    "verify-audit-chain": {"task": _JOB, "args": ["verify_audit_chain"], "schedule": crontab(hour=3, minute=30)},
    # Each person who asked for it: an e-mail of their unread notifications (desk/jobs.py).
    "send-notification-digest": {
        "task": _JOB,
        "args": ["send_notification_digest"],
        "schedule": crontab(hour=7, minute=0),
    },
    "sample-cases-for-review": {
        "task": _JOB,
        "args": ["sample_cases_for_review"],
        "schedule": crontab(day_of_week="mon", hour=3, minute=0),
    },
    # Seals the audit rows the writers left queued (audit/ledger.py): seconds behind at most.
    "seal-audit-ledger": {"task": "audit.tasks.seal_audit_ledger", "schedule": 5.0},
    # Beat does not make up a tick missed while the broker was down; this does (core/catchup.py).
    "catch-up-missed-jobs": {"task": "core.tasks.catch_up_missed_jobs", "schedule": 10 * 60.0},
} | API_SCHEDULE  # noqa: F405 (the integration API's own, collections_site/api_settings.py)

# --- Compliance review -------------------------------------------------------------
COMPLIANCE_SAMPLE_PER_AGENT = env.int("COMPLIANCE_SAMPLE_PER_AGENT", default=3)
COMPLIANCE_SCAN_LOOKBACK_DAYS = env.int("COMPLIANCE_SCAN_LOOKBACK_DAYS", default=35)

# --- Outreach -------------------------------------------------------------------
# What borrowers read is in their own language: one text per language (JSON in the
# environment), the message template's language choosing (contacts/borrower_text.py).
LENDER_NAMES = env.json("LENDER_NAMES", default={"zh-hans": "示例消费金融", "en": "Demo Consumer Finance"})
LENDER_HOTLINE = env.str("LENDER_HOTLINE", default="400-000-0000")
PAYMENT_INSTRUCTIONS = env.json(
    "PAYMENT_INSTRUCTIONS",
    default={"zh-hans": "请在App内或到任一网点还款。", "en": "Pay in the app or at any branch."},
)
# Chinese carriers require the sender's signature in 【】 on every text message.
SMS_SIGNATURE = env.str("SMS_SIGNATURE", default="【示例消费金融】")
OUTBOX_DIR = Path(env.str("OUTBOX_DIR", default=str(VAR_DIR / "outbox")))
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=500)
# How long a process may keep the current policy profiles before reading them again
# (a save in the same process clears them at once; contacts/selectors.py).
PROFILE_CACHE_SECONDS = env.float("PROFILE_CACHE_SECONDS", default=10.0)
OUTBOX_MAX_TRIES = env.int("OUTBOX_MAX_TRIES", default=5)
# A message claimed by a worker that died is claimed again after this many seconds.
OUTBOX_CLAIM_LEASE_SECONDS = env.int("OUTBOX_CLAIM_LEASE_SECONDS", default=300)
_file_gateway = "contacts.gateways.file.FileGateway"
CONTACT_GATEWAYS = {
    "sms": env.str("SMS_GATEWAY", default=_file_gateway),
    "phone_call": env.str("VOICE_GATEWAY", default=_file_gateway),
    "email": env.str("EMAIL_GATEWAY", default="contacts.gateways.email.EmailGateway"),
    "letter": env.str("LETTER_GATEWAY", default=_file_gateway),
    "social": env.str("SOCIAL_GATEWAY", default=_file_gateway),
}
GATEWAY_HTTP_URL = env.str("GATEWAY_HTTP_URL", default="")
GATEWAY_HTTP_TOKEN = env.str("GATEWAY_HTTP_TOKEN", default="")
# Delivery receipts (contacts/receipts.py) carry an HMAC-SHA256 made with this secret,
# which only the site and the provider know: never SECRET_KEY. Required with DEBUG off
# (`check --deploy` fails without it, contacts/checks.py, and every receipt is refused);
# `make run` (DEBUG on) generates one into var/. A receipt's timestamp must be within
# GATEWAY_WEBHOOK_TOLERANCE_SECONDS of our clock, and its nonce is good once.
GATEWAY_WEBHOOK_SECRET = (
    _secret("GATEWAY_WEBHOOK_SECRET", "gateway_webhook_secret")
    if DEBUG
    else env.str("GATEWAY_WEBHOOK_SECRET", default="")
)
GATEWAY_WEBHOOK_TOLERANCE_SECONDS = env.int("GATEWAY_WEBHOOK_TOLERANCE_SECONDS", default=300)
# The longest text one message may have once its template is filled in, per channel
# (contacts/template_text.py): an SMS of a few segments, a letter of a few pages.
MESSAGE_MAX_CHARACTERS = {
    "sms": 640,
    "social": 2000,
    "phone_call": 2000,
    "email": 20_000,
    "letter": 20_000,
}
# Which template (code) each reminder uses, per channel and borrower language.
REMINDER_TEMPLATE_CODES = {
    "sms": {"zh-hans": "sms-reminder", "en": "sms-reminder-en"},
    "email": {"zh-hans": "email-reminder", "en": "email-reminder-en"},
    "letter": {"zh-hans": "letter-formal-notice", "en": "letter-formal-notice-en"},
    "follow_up": {"zh-hans": "sms-promise-missed", "en": "sms-promise-missed-en"},
    # With a forbearance assessment that offers debt advice (cases migration 0018 ships them).
    "debt_advice": {"zh-hans": "sms-debt-advice", "en": "sms-debt-advice-en"},
    "visit_notice_sms": {"zh-hans": "sms-visit-notice", "en": "sms-visit-notice-en"},
    "visit_notice_letter": {"zh-hans": "letter-visit-notice", "en": "letter-visit-notice-en"},
    "visit_cancelled": {"zh-hans": "sms-visit-cancelled", "en": "sms-visit-cancelled-en"},
    # The one message confirming a reply STOP (shipped approved: contacts migration 0018).
    "stop_confirmation_sms": {"zh-hans": "sms-stop-confirmation", "en": "sms-stop-confirmation-en"},
    "stop_confirmation_email": {"zh-hans": "email-stop-confirmation", "en": "email-stop-confirmation-en"},
}
# Printed on visit notices: where the borrower checks the visitor's identity.
# Where staff reach the site: the links in e-mails sent to staff (the notification digest).
STAFF_SITE_URL = env.str("STAFF_SITE_URL", default="http://127.0.0.1:8000")
VISIT_VERIFY_URL = env.str("VISIT_VERIFY_URL", default="http://127.0.0.1:8000/verify/")
# The public /verify/ page (visits/throttle.py): wrong codes allowed per client address
# (as TRUSTED_PROXY_COUNT reads it) and lookups allowed per code from any address, per window.
VERIFY_ATTEMPTS_PER_WINDOW = env.int("VERIFY_ATTEMPTS_PER_WINDOW", default=10)
VERIFY_LOOKUPS_PER_CODE = env.int("VERIFY_LOOKUPS_PER_CODE", default=20)
VERIFY_WINDOW_SECONDS = env.int("VERIFY_WINDOW_SECONDS", default=15 * 60)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(OUTBOX_DIR / "email")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="collections@demo.invalid")
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="collections.invalid")

# --- Auth -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# django-axes checks every login first: FAILURE_LIMIT wrong passwords for one username
# from one address lock that pair out for COOLOFF minutes (a right password included).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.access.PermissionsAndGroupsBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Client address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front the address
# the outermost of them saw (X-Forwarded-For, counted from the right).
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Two-factor (TOTP, django-otp): members of these groups, superusers, and anyone who
# enrolled a device must enter a token before any staff page (accounts/middleware.py).
OTP_REQUIRED_GROUPS = env.list("OTP_REQUIRED_GROUPS", default=["Supervisor", "Compliance reviewer", "Administrator"])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Collections back office")
# Those roles set up an authenticator with a single-use enrolment code an administrator
# issues (or with their current authenticator); the code works for this many hours.
OTP_ENROLMENT_CODE_HOURS = env.int("OTP_ENROLMENT_CODE_HOURS", default=24)
# Signed-in sessions end after SESSION_COOKIE_AGE seconds without a request, and when
# the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
# Renewed by use, but written at most once a SESSION_TOUCH_SECONDS (accounts/sessions.py)
# rather than on every request.
SESSION_SAVE_EVERY_REQUEST = env.bool("SESSION_SAVE_EVERY_REQUEST", default=False)
SESSION_TOUCH_SECONDS = env.int("SESSION_TOUCH_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# --- Transport and browser security -----------------------------------------------------
# Secure by default whenever DEBUG is off; `make run` (DEBUG=true, plain http) and the
# test suite (tests/conftest.py, plain http) switch off only what needs https.
_https = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_https)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_https)
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
# Behind a TLS-terminating proxy: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
# (only if the proxy always sets or strips that header).
if env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = tuple(env.list("SECURE_PROXY_SSL_HEADER"))
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): our pages and the admin load scripts and
# styles from our own static files only; no inline script or style, no framing.
SELF_ONLY = ("default-src", "script-src", "style-src", "font-src", "connect-src", "base-uri", "form-action")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **{directive: [CSP_SELF] for directive in SELF_ONLY},
        "img-src": [CSP_SELF, "data:"],
        "object-src": [CSP_NONE],
        "frame-ancestors": [CSP_NONE],
    },
}
# --- I18N -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and time style per language (core/when.py).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True
# --- Static and uploaded files --------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"  # never served as it is: uploads go out through views that check who asks
# Uploads are checked by content (PDF, JPEG, PNG; core/uploads.py); the largest accepted, in MB, per field.
UPLOAD_MAX_MB = {
    "hold_evidence": env.int("HOLD_EVIDENCE_MAX_MB", default=10),
    "visit_agreement": env.int("VISIT_AGREEMENT_MAX_MB", default=10),
    "visit_receipt": env.int("VISIT_RECEIPT_MAX_MB", default=5),
    "agent_photo": env.int("AGENT_PHOTO_MAX_MB", default=2),
    "visit_photo": env.int("VISIT_PHOTO_MAX_MB", default=8),  # a phone camera's photo, as taken
}

# Field visits: a check-in this far from the address (beyond its accuracy) is flagged; the map links.
VISIT_FAR_CHECK_IN_METRES = env.int("VISIT_FAR_CHECK_IN_METRES", default=500)
VISIT_MAP_SEARCH_URL = env("VISIT_MAP_SEARCH_URL", default="https://www.openstreetmap.org/search?query={query}")
VISIT_MAP_POINT_URL = env("VISIT_MAP_POINT_URL", default="https://www.openstreetmap.org/?mlat={lat}&mlon={lon}")
# --- Audit ----------------------------------------------------------------------
# History is evidence: nobody reverts a case to an old version from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_tracebacks_for_4xx": {"()": "core.logging.NoTracebackFor4xx"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_tracebacks_for_4xx"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
