"""What a city's security team checks before a pilot: production settings that refuse to start
half-configured and pass Django's deployment check, an image without secrets, the headers every
answer carries, and a broker that hands a dead worker's task on within minutes."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from config.celery import app as celery_app
from tests.conftest import api_client_for

ROOT = Path(settings.BASE_DIR)
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "commons.example.org",
    "DATABASE_URL": "postgres://netco@db.example.org:5432/netco",
    "REDIS_URL": "redis://cache.example.org:6379/0",
    "BALLOT_SEALING_KEY": "a-sealing-secret-of-at-least-32-characters",
}


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(environment)
    return subprocess.run(  # noqa: S603 - our own manage.py, with arguments of this file
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "missing", ["DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "BALLOT_SEALING_KEY"]
)
def test_production_refuses_to_start_without_its_servers_and_secret(missing):
    environment = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", **environment)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_sealing_secret_shorter_than_32_characters():
    result = manage("check", **{**PRODUCTION, "BALLOT_SEALING_KEY": "too-short"})
    assert result.returncode != 0
    assert "BALLOT_SEALING_KEY must be at least 32 characters" in result.stderr


def test_production_passes_the_deployment_check_with_https_on_by_default():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    plain = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    assert plain.returncode != 0  # turning HTTPS off is said, not silent
    assert "security.W008" in plain.stdout + plain.stderr


def test_the_image_never_takes_secrets_databases_or_history():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    excluded = [pattern for pattern in patterns if not pattern.startswith("!")]
    for path in (".env", ".env.production", ".venv", "db.sqlite3", ".git", "node_modules"):
        assert any(fnmatch.fnmatch(path, pattern) for pattern in excluded), path
    assert "!.env.example" in patterns


@pytest.mark.django_db
def test_a_signed_in_persons_answers_are_not_stored_and_features_are_refused(side_a):
    page = Client()
    page.force_login(side_a.resident_user)
    for path in ("/", f"/households/{side_a.household.pk}/"):
        answer = page.get(path)
        assert answer.status_code == 200, path
        assert "no-store" in answer["Cache-Control"], path
        assert "camera=()" in answer["Permissions-Policy"]
    api = api_client_for(side_a.manager).get(f"/api/v1/income-declarations/{side_a.income.pk}/")
    assert api.status_code == 200
    assert "no-store" in api["Cache-Control"]
    signed_out = Client().get("/accounts/login/")
    assert "microphone=()" in signed_out["Permissions-Policy"]


def test_a_dead_workers_task_is_handed_on_within_minutes_and_never_twice_while_running():
    visibility = celery_app.conf.broker_transport_options["visibility_timeout"]
    assert visibility <= 600
    assert celery_app.conf.task_time_limit < visibility
    assert celery_app.conf.task_acks_late and celery_app.conf.task_reject_on_worker_lost
