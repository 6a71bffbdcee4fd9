"""Community's Celery tasks live with their domains; Celery discovers each installed app's
``tasks`` module, so this one imports the domains' to register them with the worker.

The periodic ones (beat, see CELERY_BEAT_SCHEDULE) lock what they work on with SKIP LOCKED and
record what they did in the same transaction, so a retry or a second worker finds nothing left.
"""

from community.bookings import tasks as bookings_tasks
from community.money import tasks as money_tasks
from community.monitoring import tasks as monitoring_tasks

__all__ = ["bookings_tasks", "money_tasks", "monitoring_tasks"]
