"""The transaction of a service that refuses before it writes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
T = TypeVar("T")


def in_transaction(service: Callable[P, T]) -> Callable[P, T]:
    """Run the service in the caller's transaction, or in one of its own when there is none.

    ``transaction.atomic`` inside a transaction (every request: ``ATOMIC_REQUESTS``) opens a
    savepoint, two more statements, so that a failure undoes the service's writes and nothing
    else. A service that raises every refusal before its first write, and keeps any write that
    may fail in a savepoint of its own, leaves nothing to undo: it joins the caller's
    transaction. Called outside one (a task, a shell), it opens one, for its row locks to hold
    until its writes commit.
    """

    @functools.wraps(service)
    def joined(*args: P.args, **kwargs: P.kwargs) -> T:
        if transaction.get_connection().in_atomic_block:
            return service(*args, **kwargs)
        with transaction.atomic():
            return service(*args, **kwargs)

    return joined
