"""The batch mailer: due rows are mailed in locked batches, each row exactly once.

Rows are locked with ``SKIP LOCKED``, so two workers running at once share the work instead
of both sending; each row is marked sent in the same transaction, so a second run finds
nothing left. A row whose e-mails fail is left unmarked for the next run, and the others in
its batch are done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction

logger = logging.getLogger(__name__)

BATCH = 200

RowT = TypeVar("RowT", bound=models.Model)


def mail_due_rows(
    *,
    due: Callable[[], models.QuerySet[RowT]],
    order_by: Sequence[str],
    select_related: Sequence[str],
    messages_of: Callable[[list[RowT]], Mapping[int, list[EmailMessage]]],
    mark_sent: Callable[[list[int]], object],
    label: str,
    batch: int = BATCH,
) -> int:
    """Mail every due row, batch by batch; returns how many e-mails went out.

    ``messages_of`` gets a locked batch and returns each row's e-mails by its key (it may read
    what it needs for the whole batch at once); ``mark_sent`` marks the rows whose e-mails
    went out; ``label`` names a row in the log when its e-mails fail.
    """
    failed: set[int] = set()
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                due()
                .exclude(pk__in=failed)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related(*select_related)
                .order_by(*order_by)[:batch]
            )
            if not rows:
                return total
            messages = messages_of(rows)
            done: list[int] = []
            with get_connection() as connection:
                for row in rows:
                    row_messages = messages.get(row.pk, [])
                    try:
                        total += connection.send_messages(row_messages) if row_messages else 0
                    except OSError:  # smtplib.SMTPException is an OSError
                        logger.exception("%s %s could not be sent", label, row.pk)
                        failed.add(row.pk)
                        continue
                    done.append(row.pk)
            mark_sent(done)
        if len(rows) < batch:
            return total
