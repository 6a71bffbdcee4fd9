import time
from uuid import uuid4

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app

_markers_run: set[str] = set()


@app.task(name="tests.tasks.marker")
def marker_task(token: str) -> None:
    _markers_run.add(token)


@pytest.fixture
def celery_worker():
    """A real Celery worker, in a thread of this process, consuming from the real Redis broker."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.task_always_eager = previous


def wait_for(condition, timeout: float = 30.0) -> bool:
    """Whether ``condition()`` comes true within ``timeout`` seconds, asked every 0.1 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def worker_drained(timeout: float = 30.0) -> bool:
    """Whether every task queued so far has run: a marker task is queued now, and the solo
    worker runs tasks in the order they were queued, so once the marker has run, so have they
    (and any task they queued before it)."""
    token = uuid4().hex
    marker_task.delay(token)
    return wait_for(lambda: token in _markers_run, timeout)
