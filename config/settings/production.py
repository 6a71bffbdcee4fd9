"""Production: every secret and every server comes from the environment, and the process
refuses to start without them (no quiet fall-back to SQLite or to running tasks in the request).

HTTPS is on by default: redirect to it, HSTS for a year. A deployment behind a proxy that
terminates TLS keeps both; only one that serves plain HTTP on purpose (an internal test) turns
them off, explicitly, with DJANGO_SECURE_SSL_REDIRECT=false and DJANGO_SECURE_HSTS_SECONDS=0.
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
REDIS_URL = env("REDIS_URL")
CACHES = {"default": {"BACKEND": "common.cache.FailOpenRedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False

# Seals secret ballots until their close (governance/sealing.py); it must not be in the database,
# nor change while a secret vote is open. At least 32 characters, e.g. `openssl rand -base64 48`.
BALLOT_SEALING_KEY = env("BALLOT_SEALING_KEY")
if len(BALLOT_SEALING_KEY) < 32:
    raise ImproperlyConfigured("BALLOT_SEALING_KEY must be at least 32 characters long.")

SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The preload flag only asks; the domain owner submits the domain to the browsers list.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
