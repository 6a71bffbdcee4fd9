"""A worker killed in the middle of a task loses nothing and does nothing twice. Real worker
processes (``celery worker`` with its default prefork pool, as deployed), killed with SIGKILL,
on a Redis server of the test's own and the test's PostgreSQL database:
- the whole worker killed: the task, left unacknowledged on the broker, goes to the next worker
  once the visibility timeout has passed, and runs there once;
- the pool's process killed under a worker that lives on: the task is handed back at once and
  runs again, once.
The task is a charge run held inside its transaction by the project's row lock, taken from
another connection, so that the kill is sure to find it running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from community.money.models import Charge, ChargeRun
from community.money.tasks import charges_run_project_task
from tests.community.factories import JUNE, adopted_scheme, set_budget
from tests.factories import HouseholdFactory, ProjectFactory
from tests.tasks.conftest import RedisServer, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

# Short enough for a test, long enough for a worker to start.
VISIBILITY_TIMEOUT_SECONDS = 2


@contextmanager
def worker(broker: RedisServer) -> Iterator[subprocess.Popen]:
    """A ``celery worker`` process, as deployed, on the test's database and Redis server."""
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "REDIS_URL": f"redis://127.0.0.1:{broker.port}/0",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "PYTEST_XDIST_WORKER": "",  # the Redis database as given, not one per test process
    }
    process = subprocess.Popen(  # noqa: S603 - our own worker, with our interpreter
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        env=environment,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


@contextmanager
def project_row_locked(project_id: int) -> Iterator[None]:
    """Hold the project's row lock from another connection: a charge run waits for it."""
    database = connection.settings_dict
    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        dbname=database["NAME"],
    ) as locker:
        locker.execute(
            "SELECT id FROM members_housingproject WHERE id = %s FOR UPDATE", (project_id,)
        )
        yield
        locker.rollback()


def waiting_for_a_lock() -> bool:
    """Whether another session of the test's database waits for a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def pool_processes(worker_process: subprocess.Popen) -> list[int]:
    """The process ids of the worker's pool (its children)."""
    children = Path(f"/proc/{worker_process.pid}/task/{worker_process.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


def project_to_charge():
    project = ProjectFactory()
    for _ in range(3):
        HouseholdFactory(project=project)
    adopted_scheme(project, valid_from=JUNE.replace(year=JUNE.year - 1))
    set_budget(project, JUNE, 90_000)
    return project


def assert_charged_once(project) -> None:
    assert ChargeRun.objects.filter(project=project).count() == 1
    assert sorted(Charge.objects.values_list("amount_cents", flat=True)) == [30_000] * 3


def test_a_task_of_a_killed_worker_runs_once_on_the_next(broker):
    project = project_to_charge()

    with project_row_locked(project.pk):
        with worker(broker) as first:
            charges_run_project_task.delay(project.pk, JUNE.isoformat())
            # The first worker took the task and is inside the run, waiting for the lock.
            assert wait_for(waiting_for_a_lock, timeout=60)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
    # The run died with its worker: its transaction never committed.
    assert not ChargeRun.objects.exists()

    with worker(broker):
        # The task was not acknowledged: past the visibility timeout, it is delivered again.
        assert wait_for(lambda: ChargeRun.objects.filter(project=project).exists(), timeout=60)
        charges_run_project_task.delay(project.pk, JUNE.isoformat())  # a duplicate, as a retry
        assert wait_for(broker.idle, timeout=60)

    assert_charged_once(project)


def test_a_task_whose_process_was_killed_runs_again_once(broker):
    project = project_to_charge()
    with worker(broker) as running:
        with project_row_locked(project.pk):
            charges_run_project_task.delay(project.pk, JUNE.isoformat())
            assert wait_for(waiting_for_a_lock, timeout=60)
            (pool_process,) = pool_processes(running)
            os.kill(pool_process, signal.SIGKILL)
            # The worker replaces its pool process and is given the task back at once (no
            # visibility timeout): the new process waits for the lock again.
            assert wait_for(lambda: pool_processes(running) not in ([], [pool_process]))
            assert wait_for(waiting_for_a_lock, timeout=60)
            assert not ChargeRun.objects.exists()
        assert wait_for(lambda: ChargeRun.objects.filter(project=project).exists(), timeout=60)
        assert wait_for(broker.idle, timeout=60)
    assert_charged_once(project)
