"""Keeps ``--dist loadgroup`` working: the tests of one ``xdist_group`` go to one xdist worker.

pytest-xdist 3.8 tells its scheduler a test's group by appending ``@group`` to the test's node
id, written to an attribute that pytest 9.2 no longer reads its node ids from
(pytest-dev/pytest-xdist#1386): the groups were silently ignored. After xdist's own hook has
run, this one appends the suffix where it is still missing. tests/conftest.py registers it.
"""

from __future__ import annotations

import pytest
from _pytest.nodeid import NodeId


def group_suffix(item: pytest.Item) -> str:
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return f"@{'_'.join(sorted(names))}" if names else ""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Set on the xdist workers of a --dist loadgroup run only.
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        suffix = group_suffix(item)
        if suffix and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)
