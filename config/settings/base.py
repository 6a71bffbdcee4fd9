"""Settings shared by every environment, read from environment variables (django-environ).

With nothing set, the app runs on SQLite with Celery in eager mode and the console e-mail
backend. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications ------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "csp",
    "django_htmx",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.forms",  # the form templates, for FORM_RENDERER below
    "common",
    "members",
    "community",
    "governance",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "common.middleware.PrivateAnswersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "members.middleware.UserLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.MfaRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Content Security Policy (django-csp): scripts, styles, images and requests from this site
# only; no inline script or style (the API docs' one style carries the request's nonce); no
# plugins; no framing; forms post here only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # NONCE: a page that writes the request's nonce (request.csp_nonce) has it named here.
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Browser features no page uses, refused to the page and to anything it loads.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# Form fields render with the project's template engine, so a field may use a template of
# templates/ (the ballot's choices do).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data --------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "common.cache.FailOpenRedisCache", "LOCATION": REDIS_URL}}

# --- Accounts ----------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, loading the session's user with whether they still owe a second
    # factor (members.middleware.MfaRequiredMiddleware reads it without another query).
    "members.backends.ModelBackend",
    "members.backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "members.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[NETCO Commons] "
# Two-factor sign-in (allauth.mfa): an authenticator app, security keys and passkeys
# (WebAuthn), and recovery codes. Offered to everyone, owed by staff
# (members.selectors.STAFF_ROLE_KINDS, platform admins).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# A passkey signs in on its own: it is something the user has, unlocked by their fingerprint
# or PIN (allauth asks the browser to verify the user), so it counts as both factors.
# WebAuthn needs a secure origin: https, or http://localhost (tests, demo on this machine).
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_FORMS = {
    "add_webauthn": "members.forms.AddWebAuthnForm",
    "edit_webauthn": "members.forms.EditWebAuthnForm",
}
MFA_TOTP_ISSUER = "NETCO Commons"
# Wrong passwords: allauth counts them per client address; members.sign_in_limits per account,
# on the site and the API alike, holding the account for the rest of the window, except for
# its owner with the right password and a second factor.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
SIGN_IN_FAILURES_PER_ACCOUNT = env.int("SIGN_IN_FAILURES_PER_ACCOUNT", default=5)
SIGN_IN_FAILURE_WINDOW_SECONDS = env.int("SIGN_IN_FAILURE_WINDOW_SECONDS", default=900)
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous visitors see nothing

# --- E-mail ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="NETCO Commons <noreply@localhost>")

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("ca", _("Catalan")),
    ("fr", _("French")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
    ("sl", _("Slovenian")),
    ("hr", _("Croatian")),
    ("nb", _("Norwegian Bokmål")),
    ("ro", _("Romanian")),
    ("hu", _("Hungarian")),
    ("el", _("Greek")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Client addresses --------------------------------------------------------------------
# How many proxies in front of the app add themselves to X-Forwarded-For (a load balancer: 1).
# The sign-in limits count per client address; an address the client wrote itself is not read.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXIES

# --- REST API ----------------------------------------------------------------------------
API_TOKEN_LIFETIME = dt.timedelta(days=env.int("API_TOKEN_LIFETIME_DAYS", default=30))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.MfaSetUp",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "api.exceptions.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Signed-in clients, per user; the token endpoint, per client address (anon), and per
    # account as the site's sign-in (members.sign_in_limits). Addresses are read behind
    # TRUSTED_PROXIES proxies only: with none, a forged X-Forwarded-For is ignored.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_SIGN_IN_RATE_PER_ADDRESS", default="100/hour"),
        "user": env("API_RATE_PER_USER", default="5000/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NETCO Commons API",
    "DESCRIPTION": "Collaborative housing: projects, households, bookings, votes, contributions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleKindEnum": "members.models.RoleKind",
        "EvidenceStatusEnum": "members.models.EvidenceStatus",
        "ProjectKindEnum": "members.models.ProjectKind",
        "ProjectStatusEnum": "members.models.ProjectStatus",
    },
}

# --- Background work ---------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task taken by a worker that dies is handed to another after the visibility timeout (Redis
# broker; the default is an hour). Every task is idempotent and ends well within it: the time
# limit stops one before it could be delivered twice while still running (keep the two in step
# when changing the timeout). Workers look for such tasks every tenth of the timeout (kombu's
# default sweep is every 100 s, whatever the timeout).
_visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_interval": max(1, _visibility_timeout // 10),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_TIME_LIMIT = 540
# A page that queues work does not wait long for a broker that is down: the work waits in the
# outbox (common.outbox) instead.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_SOFT_TIME_LIMIT = 480
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "booking-reminders-send": {
        "task": "community.bookings.tasks.booking_reminders_send_task",
        "schedule": crontab(minute="*/5"),
    },
    "bookings-release-no-shows": {
        "task": "community.bookings.tasks.bookings_release_no_shows_task",
        "schedule": crontab(minute="*/5"),
    },
    "waitlist-lapse-past": {
        "task": "community.bookings.tasks.waitlist_lapse_past_task",
        "schedule": crontab(minute="*/15"),
    },
    "booking-windows-draw-due": {
        "task": "community.bookings.tasks.booking_windows_draw_due_task",
        "schedule": crontab(minute="*/5"),
    },
    # The month's charges on its first day; a repeat finds the month charged.
    "charges-run-monthly": {
        "task": "community.money.tasks.charges_run_monthly_task",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    "income-declaration-reminders": {
        "task": "community.money.tasks.income_declaration_reminders_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Income declarations past their project's retention period are deleted (GDPR).
    "income-declarations-expire": {
        "task": "community.money.tasks.income_declarations_expire_task",
        "schedule": crontab(hour=3, minute=45),
    },
    # The city indicators of the current and previous month; a repeat the same day skips.
    "indicator-snapshots-nightly": {
        "task": "community.monitoring.tasks.indicator_snapshots_nightly_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Votes open and close within a minute of their time.
    "proposals-open-due": {
        "task": "governance.tasks.proposals_open_due_task",
        "schedule": crontab(minute="*"),
    },
    "proposals-close-due": {
        "task": "governance.tasks.proposals_close_due_task",
        "schedule": crontab(minute="*"),
    },
    "proposals-closing-remind": {
        "task": "governance.tasks.proposals_closing_remind_task",
        "schedule": crontab(minute="*/10"),
    },
    "decisions-review-remind": {
        "task": "governance.tasks.decisions_review_remind_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "outbox-send-unsent": {
        "task": "common.tasks.outbox_send_unsent_task",
        "schedule": crontab(minute="*"),
    },
}

# --- Invitations -------------------------------------------------------------------------
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
