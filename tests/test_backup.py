"""The README's backup procedure works: a pg_dump of a database the app wrote, restored with
pg_restore into an empty database, is one the app runs on (migrations complete, rows there,
pages answering)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.community.factories import BookingFactory, SpaceFactory
from tests.conftest import Side

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(settings.BASE_DIR)


def run(*command: str, **environment: str) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 - the PostgreSQL tools and our manage.py
        command,
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{name}"


def test_a_dump_restored_into_an_empty_database_runs_the_app(tmp_path):
    side = Side("backup")
    space = SpaceFactory(project=side.project, name="Common room")
    BookingFactory(space=space, household=side.household)
    source = connection.settings_dict["NAME"]
    restored = f"restore_{uuid.uuid4().hex[:10]}"
    dump = tmp_path / "netco.dump"
    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", database_url(source))
    run("createdb", "--maintenance-db", database_url("postgres"), restored)
    try:
        run(
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={database_url(restored)}",
            str(dump),
        )
        on_restored = {"DATABASE_URL": database_url(restored)}
        run(sys.executable, "manage.py", "migrate", "--check", **on_restored)
        check = run(
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.test import Client\n"
            "from members.models import Household, User\n"
            "from community.bookings.models import Booking\n"
            f"user = User.objects.get(email='{side.manager.email}')\n"
            "client = Client(SERVER_NAME='localhost')\n"
            "client.force_login(user)\n"
            f"page = client.get('/projects/{side.project.pk}/')\n"
            "print(Household.objects.count(), Booking.objects.count(), page.status_code,"
            f" b'1A' in page.content)",
            **on_restored,
        )
        assert check.stdout.splitlines()[-1].split() == ["3", "1", "200", "True"], check.stdout
    finally:
        run("dropdb", "--maintenance-db", database_url("postgres"), "--if-exists", restored)
