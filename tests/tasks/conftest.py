import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app


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
