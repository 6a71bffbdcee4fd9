"""How the tests share the machine when pytest-xdist runs them in several processes
(tests/conftest.py registers this plugin).

Order: the tests marked ``slow`` first, then each ``xdist_group`` together, then the others, and
the tests marked ``alone`` last. xdist (``--no-loadscope-reorder``) hands the tests out in that
order, so the long ones start while there is still other work to fill the other workers' time.

Groups: the tests of one ``xdist_group`` go to one worker (``--dist loadgroup``). pytest-xdist
3.8 tells its scheduler a test's group by appending ``@group`` to the test's node id, written to
an attribute that pytest 9.2 no longer reads its node ids from (pytest-dev/pytest-xdist#1386):
the groups were silently ignored. After xdist's own hook has run, this one appends the suffix
where it is still missing.

Alone: a test marked ``alone`` (one that times itself) runs while no other worker of the run is
in a test. Every test holds a shared lock on a file in the run's temporary folder from its setup
to its teardown; an ``alone`` test holds it exclusively. A gate taken before the lock keeps new
tests from starting while an ``alone`` test waits for the running ones to end.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId


def group_suffix(item: pytest.Item) -> str:
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return f"@{'_'.join(sorted(names))}" if names else ""


def _rank(item: pytest.Item) -> int:
    if item.get_closest_marker("slow"):
        return 0
    if group_suffix(item):
        return 1
    if item.get_closest_marker("alone"):
        return 3
    return 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A group's tests stay together, where its first test was.
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        first.setdefault(group_suffix(item) or item.nodeid, index)
    items.sort(key=lambda item: (_rank(item), first[group_suffix(item) or item.nodeid]))
    # The group suffix: on the xdist workers of a --dist loadgroup run only.
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        suffix = group_suffix(item)
        if suffix and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


@contextmanager
def _locked(path: Path, operation: int) -> Iterator[None]:
    with path.open("a") as file:
        fcntl.flock(file, operation)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    # On an xdist worker, basetemp is the worker's folder in the temporary folder of the run.
    if not os.environ.get("PYTEST_XDIST_WORKER") or not item.config.option.basetemp:
        return (yield)
    run = Path(item.config.option.basetemp).parent
    gate, lock = run / "alone.gate", run / "alone.lock"
    if item.get_closest_marker("alone"):
        with _locked(gate, fcntl.LOCK_EX), _locked(lock, fcntl.LOCK_EX):
            return (yield)
    with _locked(gate, fcntl.LOCK_EX):
        pass
    with _locked(lock, fcntl.LOCK_SH):
        return (yield)
