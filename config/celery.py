"""The Celery app: reads its configuration from Django settings (``CELERY_*``).

Every task shares one retry policy, set on the app's task class: a task is acknowledged after
it ran (a worker lost mid-task leaves it queued) and retried with backoff when the database was
briefly unreachable. Both are safe because every task is idempotent (DESIGN.md §5).
"""

import os

from celery import Celery, Task
from django.db import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class RetryingTask(Task):
    acks_late = True
    autoretry_for = (OperationalError,)
    retry_backoff = True
    max_retries = 5


app = Celery("netco", task_cls=RetryingTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
