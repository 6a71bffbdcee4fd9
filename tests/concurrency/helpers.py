"""Running calls truly at once: threads released together, each on its own connection."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from django.db import connection

from tests.conftest import api_client_for


def run_together(calls: list[Callable[[], object]]) -> list[object]:
    """Run each call in its own thread, all released at once; return each result or exception.

    Every thread connects before the barrier, so the calls reach the database together, and
    closes its connection at the end.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as exc:  # reported to the test, which checks its type
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def at_once(call: Callable[[], object], times: int = 2) -> list[object]:
    """``call`` run ``times`` times at once, as ``run_together``; the results, or the first
    exception raised."""
    outcomes = run_together([call] * times)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def kinds(outcomes: list[object]) -> Counter:
    return Counter(type(outcome).__name__ for outcome in outcomes)


def post_together(users: list, url: str, payload: dict) -> list[tuple[int, dict]]:
    """POST the payload to ``url`` as every user at once (a user may appear many times);
    (status, body) of each.

    Every thread signs in and connects before the barrier, so that the requests reach the
    database together, and closes its connection at the end.
    """
    barrier = threading.Barrier(len(users))
    outcomes: list[tuple[int, dict] | BaseException | None] = [None] * len(users)

    def worker(index: int, user) -> None:
        try:
            client = api_client_for(user)
            connection.ensure_connection()
            barrier.wait(timeout=30)
            response = client.post(url, payload, format="json")
            outcomes[index] = (response.status_code, response.json())
        except BaseException as exc:  # reported to the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, user)) for i, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert not [o for o in outcomes if not isinstance(o, tuple)], outcomes
    return outcomes  # type: ignore[return-value]
