"""Asking one role every question of the matrix, and reading each answer as one short word.

Each request runs in a savepoint that is rolled back afterwards, so that an allowed write (a
booking cancelled, a scheme adopted) leaves the world as the next request expects it. Whether it
wrote is read from PostgreSQL's per-transaction row counters (``pg_stat_xact_user_tables``),
which keep counting what a rolled-back savepoint did.

The answer's word: the status code ("200", "404"), "login" for a redirect to the sign-in page,
"admin-login" for one to the admin's, followed by "w" when the request wrote rows other than the
client's session. Expected answers may offer alternatives: "200|302".
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client

from members.models import User
from tests.conftest import api_client_for

# The client's own session and the moment its authenticator app was last used are not data a
# refusal could have changed.
NOT_DATA = ["django_session", "mfa_authenticator"]


def _tables() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relid FROM pg_stat_user_tables WHERE relname <> ALL(%s)", [NOT_DATA])
        return [relid for (relid,) in cursor.fetchall()]


def _rows_written(tables: list[int]) -> int:
    """Rows inserted, updated and deleted in the transaction so far (a quarter of the time of
    reading them table by table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_stat_get_xact_tuples_inserted(t)"
            " + pg_stat_get_xact_tuples_updated(t) + pg_stat_get_xact_tuples_deleted(t)), 0)"
            " FROM unnest(%s::oid[]) t",
            [tables],
        )
        return cursor.fetchone()[0]


def _rows_written_by_table() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return dict(cursor.fetchall())


@dataclass
class Answer:
    status: int
    location: str = ""
    written: list[str] = field(default_factory=list)  # the tables

    @property
    def word(self) -> str:
        if self.status == 302 and self.location.startswith(resolve_url(settings.LOGIN_URL)):
            word = "login"
        elif self.status == 302 and self.location.startswith("/admin/login/"):
            word = "admin-login"
        else:
            word = str(self.status)
        return word + ("w" if self.written else "")


def matches(expected: str, actual: str) -> bool:
    return actual in expected.split("|")


class Asker:
    """One role's two clients: a browser signed in to the site, and an API client."""

    def __init__(self, user: User | None) -> None:
        self.browser = Client(raise_request_exception=False)
        if user is not None:
            self.browser.force_login(user)
        self.api = api_client_for(user)
        self.api.raise_request_exception = False
        self._tables = _tables()
        self._written = _rows_written(self._tables)
        self._by_table = _rows_written_by_table()

    def ask(self, method: str, url: str, *, api: bool, body: dict | None = None) -> Answer:
        """The answer to one request, everything it wrote undone. A write sends ``body``, or
        nothing: an allowed writer is then refused on its fields, before any write."""
        client = self.api if api else self.browser
        cookies = copy.deepcopy(client.cookies)
        with transaction.atomic():
            if method == "GET":
                response = client.get(url)
            elif api:
                data = json.dumps(body or {}) if method != "DELETE" else ""
                response = client.generic(method, url, data, content_type="application/json")
            else:
                response = client.post(url, body or {})
            written = _rows_written(self._tables)
            transaction.set_rollback(True)
        # A sign-out or a sign-in turns the session over: the next request is signed in as before.
        client.cookies = cookies
        tables: list[str] = []
        if written != self._written:  # which tables, read only when there are some
            by_table = _rows_written_by_table()
            tables = sorted(
                table
                for table, count in by_table.items()
                if count != self._by_table.get(table, 0) and table not in NOT_DATA
            )
            self._written, self._by_table = written, by_table
        return Answer(response.status_code, response.headers.get("Location", ""), tables)
