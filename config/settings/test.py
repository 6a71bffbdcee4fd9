"""The test suite: PostgreSQL and Redis, as in production."""

import os
from urllib.parse import urlsplit, urlunsplit

from config.settings.base import *  # noqa: F403
from config.settings.base import env

SECRET_KEY = "test-only-secret-key"  # noqa: S105
BALLOT_SEALING_KEY = "test-only-ballot-sealing-key"
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/netco_test")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# The flush between transactional tests empties every table with one TRUNCATE, which the audit
# log's trigger refuses unless the session allows it (common/migrations/0003).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c netco.audit_log_truncate=allowed"


def _redis_url_of_this_worker(url: str) -> str:
    """Each pytest-xdist worker (gw0, gw1, …) on its own Redis database, counted from the one in
    ``url``: it clears its cache and runs its Celery worker without touching the others'."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker[2:])}"))


REDIS_URL = _redis_url_of_this_worker(env("REDIS_URL", default="redis://127.0.0.1:6379/0"))
CACHES = {"default": {"BACKEND": "common.cache.FailOpenRedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
# Tests queue tasks through the broker only where a worker is started for them.
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
