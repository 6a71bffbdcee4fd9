"""Local trial and development: SQLite and eager Celery unless the environment says otherwise."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-only-never-in-production")
BALLOT_SEALING_KEY = env("BALLOT_SEALING_KEY", default="insecure-local-only-ballot-sealing-key")
