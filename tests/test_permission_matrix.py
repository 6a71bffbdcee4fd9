"""The permission matrix: every route of the URL configuration and every operation of the API,
asked by every role, against the answer tests/permission_matrix/table.py expects.

A route or an API method without an entry fails ``test_every_operation_has_an_entry``, and an
entry naming no route fails it too. Each role's test asks every question once, in a world built
once for the module, and lists every answer that differs in one table.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.permission_matrix.routes import Route, all_routes
from tests.permission_matrix.runner import Asker, matches
from tests.permission_matrix.table import MATRIX, Entry, accounts_rule, admin_rule
from tests.permission_matrix.world import ROLES, World

pytestmark = pytest.mark.django_db

REFUSALS = ("login", "admin-login", "400", "401", "403", "404", "405", "409", "415")


def operations() -> Iterator[tuple[Route, str]]:
    """Every (route, method) the matrix asks: an API route's methods, a page's GET and the POST
    its entry lists, allauth's pages' GET and POST, the admin's GET."""
    for route in all_routes():
        if route.area == "api":
            methods: tuple[str, ...] = route.view_methods
        elif route.area == "accounts":
            methods = ("GET", "POST")
        elif route.area == "admin":
            methods = ("GET",)
        else:
            methods = ("GET", "POST") if (route.key, "POST") in MATRIX else ("GET",)
        for method in methods:
            yield route, method


def entry_for(route: Route, method: str) -> Entry | None:
    if route.area == "admin":
        return admin_rule(route, method)
    if route.area == "accounts":
        return accounts_rule(route, method)
    return MATRIX.get((route.key, method))


def test_every_operation_has_an_entry_and_every_entry_an_operation():
    asked = {(route.key, method) for route, method in operations()}
    listed = {
        (route.key, method) for route, method in operations() if route.area in ("api", "page")
    }
    missing = sorted(key for key in listed if key not in MATRIX)
    stale = sorted(key for key in MATRIX if key not in asked)
    assert not missing, f"Routes with no entry in the permission matrix: {missing}"
    assert not stale, f"Entries of the permission matrix for no route: {stale}"


def test_no_refusal_is_expected_to_write():
    writing_refusals = {
        (key, word)
        for key, entry in MATRIX.items()
        for answer in entry.answers
        for word in answer.split("|")
        if word.endswith("w") and word.removesuffix("w") in REFUSALS
    }
    assert not writing_refusals


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world, in a transaction rolled back after the module's last test."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = World()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def ask(world: World, asker: Asker, route: Route, method: str, entry: Entry) -> str:
    url = route.url(world.url_values(route, entry.target))
    objects = world.objects()
    if entry.query:
        url = f"{url}?" + entry.query.format(**{name: obj.pk for name, obj in objects.items()})
    body = {name: objects[collection].pk for name, collection in entry.body.items()}
    answer = asker.ask(method, url, api=route.area == "api", body=body)
    return answer.word + (f" ({', '.join(answer.written)})" if answer.written else "")


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_answers_of_the_matrix(world, role):
    cache.clear()  # no rate limit left by the roles before
    asker = Asker(world.users[role])
    mismatches = []
    for route, method in operations():
        entry = entry_for(route, method)
        if entry is None or role not in entry.only:
            continue
        actual = ask(world, asker, route, method, entry)
        expected = entry.expected(role)
        if not matches(expected, actual.split()[0]):
            mismatches.append((route.key, method, expected, actual))
    width = max((len(key) for key, *_ in mismatches), default=0)
    table = "\n".join(
        f"  {key:{width}}  {method:6}  expected {expected:12}  got {actual}"
        for key, method, expected, actual in mismatches
    )
    assert not mismatches, f"{len(mismatches)} answers to the {role} differ:\n{table}"
