"""The outbox's periodic hand-over (common.outbox)."""

from __future__ import annotations

from celery import shared_task

from common.outbox import outbox_send_unsent


@shared_task
def outbox_send_unsent_task() -> int:
    return outbox_send_unsent()
