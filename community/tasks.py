"""Celery tasks of the community app: thin, loading by id and calling a service; safe to rerun."""

from celery import shared_task
from django.db import OperationalError

from community.services.waitlist import waitlist_promoted_notify


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def waitlist_promoted_notify_task(entry_id: int) -> int:
    return waitlist_promoted_notify(entry_id=entry_id)
