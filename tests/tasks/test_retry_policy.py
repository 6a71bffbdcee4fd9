"""Every task of ours runs under the app's one retry policy (config/celery.py)."""

from django.db import OperationalError

from config.celery import app

OUR_APPS = {"community", "governance", "members"}


def test_every_task_is_acknowledged_late_and_retried_when_the_database_is_unreachable():
    app.loader.import_default_modules()  # autodiscovery imports every app's tasks.py
    ours = {name: task for name, task in app.tasks.items() if name.split(".")[0] in OUR_APPS}
    assert {"community", "governance", "members"} == {name.split(".")[0] for name in ours}
    for name, task in ours.items():
        assert task.acks_late, name
        assert task.autoretry_for == (OperationalError,), name
        assert task.retry_backoff and task.max_retries == 5, name
