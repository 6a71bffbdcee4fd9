"""A transactional outbox: work a change calls for (an e-mail to send, indicators to refresh)
is recorded in the change's own transaction and handed to the broker once it commits. While the
broker (Redis) is down the page still answers and the work waits in the table; the periodic
``outbox_send_unsent_task`` queues it when the broker is back. Every task is idempotent, so the
rare double hand-over (the broker took it, the row's update did not commit) is harmless."""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError

from common.models import OutboxTask

logger = logging.getLogger(__name__)
BROKER_ERRORS = (BrokerUnavailable, RedisError, OSError)
# Rows younger than this are still being handed over by their own transaction's commit.
HAND_OVER_GRACE = dt.timedelta(seconds=30)


def queue_after_commit(task_name: str, *arguments: object) -> OutboxTask:
    """Record ``task_name(*arguments)`` (a registered Celery task's name) to be queued when the
    current transaction commits; never queued if it rolls back."""
    row = OutboxTask.objects.create(task=task_name, arguments=list(arguments))
    transaction.on_commit(lambda: outbox_send(row.pk))
    return row


def outbox_send(pk: int) -> bool:
    """Hand one recorded task to the broker; False if it was sent already or the broker is
    unreachable (it stays recorded)."""
    try:
        with transaction.atomic():
            row = (
                OutboxTask.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if row is None:
                return False
            _registered_task(row.task).apply_async(args=row.arguments)
            row.sent_at = timezone.now()
            row.save(update_fields=["sent_at"])
            return True
    except BROKER_ERRORS as exc:
        logger.warning("The broker is unreachable (%s): %s waits in the outbox.", exc, pk)
        return False


def _registered_task(name: str):
    """The task by its name. A web process imports the apps' task modules only when asked:
    Celery's autodiscovery runs at a worker's start, not at a page's."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def outbox_send_unsent(*, now: dt.datetime | None = None) -> int:
    """Hand every task still recorded to the broker, oldest first; how many were sent."""
    now = now or timezone.now()
    waiting = OutboxTask.objects.filter(
        sent_at__isnull=True, created_at__lte=now - HAND_OVER_GRACE
    ).order_by("created_at", "pk")
    sent = 0
    for pk in waiting.values_list("pk", flat=True):
        if outbox_send(pk):
            sent += 1
        elif OutboxTask.objects.filter(pk=pk, sent_at__isnull=True).exists():
            break  # not sent by another run either: the broker is still down; try next time
    return sent
