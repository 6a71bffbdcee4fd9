"""Production: every secret comes from the environment; the process refuses to start without."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
# Seals secret ballots until their close (governance/sealing.py); it must not be in the database,
# nor change while a secret vote is open. At least 32 characters, e.g. `openssl rand -base64 48`.
BALLOT_SEALING_KEY = env("BALLOT_SEALING_KEY")
if len(BALLOT_SEALING_KEY) < 32:
    raise ImproperlyConfigured("BALLOT_SEALING_KEY must be at least 32 characters long.")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
