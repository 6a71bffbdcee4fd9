"""The one table of the ground floor: the outbox of work to queue (common.outbox)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxTask(models.Model):
    """A Celery task to queue, recorded in the transaction of the change that calls for it: if
    the broker is down when that transaction commits, the row stays unsent and a periodic task
    queues it once the broker is back. Nothing is lost, and nothing is queued for a change that
    was rolled back."""

    task = models.CharField(max_length=200)
    arguments = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.arguments)}"
