from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO

import pytest
from celery._state import _set_task_join_will_block
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation
from guardian.shortcuts import _get_ct_cached as guardian_content_type_of_permission
from hypothesis import Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from members.models import User
from members.selectors import user_list_with_mfa_due
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
    make_manager,
    make_officer,
    make_resident_user,
)
from tests.properties import MUTATION_EXAMPLES, MUTATION_RUN

# Fixtures that test modules in several folders share; how xdist workers share the machine.
pytest_plugins = ["tests.community.fixtures", "tests.xdist_plugin"]

# The mutation run (`make mutation`) only needs to know that a property fails, not its smallest
# counter-example: shrinking each killed mutant's failure would take most of the run. Loaded
# here, before the test modules build their settings, which inherit the phases; the properties
# that ask for a number of examples take the smaller one from tests/properties.py.
hypothesis_settings.register_profile(
    "mutation",
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    database=None,
    max_examples=MUTATION_EXAMPLES,
)
if MUTATION_RUN:
    hypothesis_settings.load_profile("mutation")


@pytest.fixture(autouse=True)
def _celery_joins_allowed():
    """Each test starts with Celery's process-wide "joining a result would block" flag clear, as
    in a fresh process. Eager tasks queued from several threads at once (the concurrency tests)
    can leave it set: Celery sets and restores it around each eager task, not thread-safely, and
    a later test's ``.delay(...).get()`` then fails as if it ran inside a task."""
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request through the locale middleware leaves
    the language it chose active in the thread after its response (a Greek API error test
    would make the next test's messages Greek)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the cache (Redis): each test starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def _caches_warm(db) -> None:
    """The per-process caches filled, as in a process that has served requests: ContentType's,
    and guardian's content type of each permission, which every flush of a transactional test
    empties. A query count then does not depend on which tests ran before in the process."""
    ContentType.objects.get_for_models(*apps.get_models())
    for app_label, codename in Permission.objects.values_list(
        "content_type__app_label", "codename"
    ):
        guardian_content_type_of_permission(app_label, codename)


@pytest.fixture
def django_assert_num_queries(_caches_warm, django_assert_num_queries):
    """pytest-django's, counting with the per-process caches warm (``_caches_warm``)."""
    return django_assert_num_queries


@pytest.fixture
def django_assert_max_num_queries(_caches_warm, django_assert_max_num_queries):
    """pytest-django's, counting with the per-process caches warm (``_caches_warm``)."""
    return django_assert_max_num_queries


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def api_client_for(user) -> APIClient:
    """A client signed in as the user, read as a request reads them: with whether they owe a
    second factor (members.selectors.user_list_with_mfa_due), which costs no query of its own."""
    client = APIClient()
    if user is not None:  # None: a client with no one signed in yet
        user = user_list_with_mfa_due(User.objects.filter(pk=user.pk)).get()
    client.force_authenticate(user)
    return client


class Side:
    """One city with two projects, their households, and a user of every role."""

    def __init__(self, name: str) -> None:
        self.city = CityFactory(name=f"{name} city", slug=f"{name}-city")
        self.project = ProjectFactory(city=self.city, slug=f"{name}-a", name=f"{name} A")
        self.other_project = ProjectFactory(city=self.city, slug=f"{name}-b", name=f"{name} B")
        self.household = HouseholdFactory(project=self.project, unit_label="1A")
        self.neighbour = HouseholdFactory(project=self.project, unit_label="1B")
        self.neighbour_resident = ResidentFactory(household=self.neighbour, first_name="Neighbour")
        self.other_household = HouseholdFactory(project=self.other_project, unit_label="2A")
        self.resident_user = make_resident_user(self.household)
        self.resident = self.resident_user.resident
        self.manager = make_manager(self.project)
        self.officer = make_officer(self.city)
        self.income = IncomeDeclarationFactory(household=self.household)
        self.neighbour_income = IncomeDeclarationFactory(household=self.neighbour)


@pytest.fixture
def side_a(db) -> Side:
    return Side("alpha")


@pytest.fixture
def side_b(db) -> Side:
    return Side("beta")


# --- The demo network, seeded once ---------------------------------------------------------
#
# ``seed_demo`` takes half a minute. The tests that read what it built (and check that a second
# run changes nothing) share one pair of runs: the ``demo`` fixture. Its rows live in a
# transaction of the session that is rolled back as soon as the last test using it is done, so
# no other test ever sees them. The tests that use it run together, on one xdist worker (the
# "demo" group).

DEMO_GROUP = "demo"


def table_snapshot() -> dict[str, list[dict]]:
    """Every row of every model, by model label, in primary-key order."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
    }


@dataclass
class DemoRuns:
    """What two runs of ``seed_demo`` in a row left: the rows after each, their output, and
    the e-mails sent while they ran."""

    first: dict[str, list[dict]] = field(default_factory=dict)
    second: dict[str, list[dict]] = field(default_factory=dict)
    first_output: str = ""
    second_output: str = ""
    sent: list = field(default_factory=list)


class DemoSeeding:
    """The demo seeded twice in a transaction kept open until ``close``."""

    def __init__(self, blocker) -> None:
        self.blocker = blocker
        self.atomic: transaction.Atomic | None = None
        self.runs = DemoRuns()

    def open(self) -> None:
        if self.atomic is not None:
            return
        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                mail.outbox.clear()
                runs = DemoRuns()
                runs.first_output = self._seed()
                runs.first = table_snapshot()
                runs.second_output = self._seed()
                runs.second = table_snapshot()
                runs.sent = list(mail.outbox)
                self.runs = runs
                # The deferred foreign-key checks, once now rather than at each test's end.
                connection.check_constraints()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if self.atomic is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic = None

    @staticmethod
    def _seed() -> str:
        out = StringIO()
        call_command("seed_demo", stdout=out)
        return out.getvalue()


_demo_seeding: DemoSeeding | None = None


@pytest.fixture(scope="session")
def _demo_seeding_session(django_db_setup, django_db_blocker) -> Iterator[DemoSeeding]:
    global _demo_seeding
    _demo_seeding = DemoSeeding(django_db_blocker)
    _demo_seeding.open()
    try:
        yield _demo_seeding
    finally:
        _demo_seeding.close()
        _demo_seeding = None


@pytest.fixture
def demo(_demo_seeding_session: DemoSeeding, db) -> DemoRuns:
    """The demo network, seeded twice before the test; the test runs inside its transaction."""
    assert _demo_seeding_session.atomic is not None
    return _demo_seeding_session.runs


def _uses_demo(item: pytest.Item | None) -> bool:
    return item is not None and "demo" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of the demo in one xdist group: one worker, one after the other (the order is
    tests/xdist_plugin.py's)."""
    for item in items:
        if _uses_demo(item):
            item.add_marker(pytest.mark.xdist_group(DEMO_GROUP))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # A test of the demo after others (a run that picks tests in another order): seed again.
    if _uses_demo(item) and _demo_seeding is not None:
        _demo_seeding.open()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    # Once the test's own fixtures are gone: the next test must not see the demo.
    if _uses_demo(item) and not _uses_demo(nextitem) and _demo_seeding is not None:
        _demo_seeding.close()
    return result
