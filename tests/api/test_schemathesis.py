"""Every operation of the published OpenAPI schema, called with generated input as a manager and
as a resident of a project full of real objects: no answer is a server error, and every answer
keeps the contract (a documented status code, a documented content type, a body that validates
against the documented schema).

The schema is the one the app serves at /api/v1/schema/, read and called in-process through
WSGI (no server), on the test database. Path parameters, and the ids in queries and bodies that
name a project, a household, a space…, are mostly those of the world's real objects, so most
calls reach them rather than answering 404. Each call runs in a savepoint rolled back after it:
every example sees the same world (a revoked token or an erased resident does not spill into
the next call)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import token_issue
from community.bookings.models import MaintenanceNote
from community.money.models import Budget
from governance.models import Decision
from governance.services.ballots import ballot_cast
from governance.services.proposals import proposal_close
from governance.services.proxies import proxy_grant
from members.services import invitation_create
from tests.api.factories import charge_june
from tests.api.test_bookings_isolation import Bookable
from tests.api.test_indicators_api import make_goal
from tests.community.factories import JUNE
from tests.conftest import Side
from tests.governance.factories import MeetingFactory, open_proposal, with_agenda

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Reproducible in CI: a fixed seed, Hypothesis derandomized, a few examples per operation.
CONFIG = {
    "seed": 20250601,
    # The caller's token is the only credential sent: no generated session cookie.
    "generation": {
        "max-examples": 5,
        "deterministic": True,
        "database": "none",
        "with-security-parameters": False,
    },
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
}

ROLES = ["manager", "resident"]
# The least share of the operations that must succeed at least once for each role (a manager
# 94 of 135 now, a resident 59: the others refuse them, or their generated input): fewer means
# the calls no longer find the world's objects.
SUCCEEDING = {"manager": 0.6, "resident": 0.4}


@dataclass
class World:
    """The real objects a call names: the id for each collection of the API, the id for each
    path whose object must be a particular one (a pending booking to approve), and the id of
    each related field of a query or a body."""

    collections: dict[str, int]
    paths: dict[tuple[str, str], int]
    fields: dict[str, int]

    def path_parameters(self, path: str, parameters: dict[str, Any] | None) -> Any:
        if not parameters:
            return parameters
        collection = path.removeprefix("/api/v1/").split("/", 1)[0]
        mapped = dict(parameters)
        for name in parameters:
            known = self.paths.get((path, name))
            if known is None and name == "id":
                known = self.collections.get(collection)
            if known is None:
                known = self.fields.get(name)
            if known is not None:
                mapped[name] = known
        return mapped

    def related(self, values: Any) -> Any:
        """A query's or a body's ids of related objects, those of the world's."""
        if not isinstance(values, dict):
            return values
        return {
            name: self.fields[name]
            if name in self.fields and isinstance(value, int) and not isinstance(value, bool)
            else value
            for name, value in values.items()
        }


def decided(side: Side) -> Decision:
    """A proposal of the project voted on and closed: its decision, as the close records it."""
    proposal = open_proposal(project=side.project, hours=1)
    ballot_cast(proposal=proposal, user=side.resident_user, choice="yes")
    decision = proposal_close(proposal=proposal, now=proposal.closes_at, notify=False)
    assert decision is not None
    return decision


@pytest.fixture
def world(side_a, report, following, weekly) -> World:
    """Side A's project with something of everything: bookings (one pending, one being handed
    over, a weekly series), a waitlist, a lottery, a closure, a maintenance note; June's budget,
    scheme, charges and payments; an open proposal with a proxy, a decision, a meeting with its
    agenda, an invitation, a pilot goal."""
    side = side_a
    bookable = Bookable(side)
    charged = charge_june(side)
    proposal = open_proposal(project=side.project)
    proxy = proxy_grant(grantor=side.resident, holder=side.neighbour_resident, proposal=proposal)
    decision = decided(side)
    meeting = with_agenda(MeetingFactory(project=side.project), "Budget", "Garden")
    invitation = invitation_create(
        household=side.household, email="new.person@example.org", invited_by=side.manager
    )
    note = MaintenanceNote.objects.create(space=bookable.space, text="Tap drips")
    charge = charged.run.charges.get(household=side.household)
    return World(
        collections={
            "cities": side.city.pk,
            "projects": side.project.pk,
            "households": side.household.pk,
            "residents": side.resident.pk,
            "income-declarations": side.income.pk,
            "invitations": invitation.pk,
            "spaces": bookable.space.pk,
            "bookings": bookable.booking.pk,
            "booking-windows": bookable.window.pk,
            "booking-series": weekly[0].series_id,
            "handovers": report.pk,
            "maintenance-notes": note.pk,
            "meetings": meeting.pk,
            "agenda-items": meeting.agenda_items.first().pk,
            "decision-classes": proposal.decision_class_id,
            "proposals": proposal.pk,
            "proxies": proxy.pk,
            "decisions": decision.pk,
            "budgets": Budget.objects.get(project=side.project, month=JUNE).pk,
            "schemes": charged.scheme.pk,
            "charges": charge.pk,
            "charge-runs": charged.run.pk,
            "payments": charged.payment.pk,
            "pilot-goals": make_goal(side).pk,
        },
        paths={
            ("/api/v1/bookings/{id}/approve/", "id"): bookable.pending.pk,
            ("/api/v1/bookings/{id}/reject/", "id"): bookable.pending.pk,
            ("/api/v1/bookings/{id}/handover/", "id"): following.pk,
            ("/api/v1/bookings/waitlist/{entry_id}/", "entry_id"): bookable.entry.pk,
            ("/api/v1/spaces/{id}/closures/{closure_id}/", "closure_id"): bookable.closure.pk,
        },
        fields={
            "city": side.city.pk,
            "project": side.project.pk,
            "household": side.household.pk,
            "resident": side.resident.pk,
            "space": bookable.space.pk,
            "booking": bookable.booking.pk,
            "meeting": meeting.pk,
            "proposal": proposal.pk,
            "decision_class": proposal.decision_class_id,
            "scheme": charged.scheme.pk,
            "holder": side.neighbour_resident.pk,
            "grantor": side.resident.pk,
        },
    )


@pytest.fixture
def unthrottled(rates) -> None:
    """Rates no run of this module reaches: a 429 would hide the answer under test."""
    rates(**{scope: "1000000/hour" for scope in SimpleRateThrottle.THROTTLE_RATES})


@pytest.fixture
def in_process() -> Iterator[None]:
    """Each request served on the test's own connection, as Django's test client does: the
    handler's signals would otherwise close it, and the test's transaction with it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, in_process, unthrottled) -> BaseSchema:
    """The schema the app serves, its calls' ids mapped onto the world's objects."""
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json",
        WSGIHandler(),
        config=SchemathesisConfig.from_dict(CONFIG),
    )

    @schema.hook
    def map_path_parameters(context, path_parameters):
        return world.path_parameters(context.operation.path, path_parameters)

    @schema.hook
    def map_query(context, query):
        return world.related(query)

    @schema.hook
    def map_body(context, body):
        return world.related(body)

    return schema


def run_operation(operation: APIOperation, headers: dict[str, str], answered: set[int]) -> None:
    """The operation's examples, each call checked and then undone; ``answered`` collects the
    status codes."""
    config = operation.schema.config
    settings = config.get_hypothesis_settings(operation=operation, phase="fuzzing")
    # A body as JSON where the operation takes it: form encodings cannot say null or nest.
    media_types = {body.media_type for body in operation.body}
    media_type = "application/json" if "application/json" in media_types else None

    @hypothesis.settings(settings, phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    @hypothesis.given(case=operation.as_strategy(GenerationMode.POSITIVE, media_type=media_type))
    def call(case: Case) -> None:
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        answered.add(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    call()


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_the_contract(api_schema, role, side_a, subtests):
    user = side_a.manager if role == "manager" else side_a.resident_user
    headers = {"Authorization": f"Token {token_issue(user=user).key}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 100
    answered: dict[str, set[int]] = {}
    for operation in operations:
        with subtests.test(msg=operation.label):
            run_operation(operation, headers, answered.setdefault(operation.label, set()))
    # The world is found: most operations succeed at least once, not only refuse.
    succeeded = [label for label, codes in answered.items() if any(code < 300 for code in codes)]
    failed = sorted(set(answered) - set(succeeded))
    assert len(succeeded) >= SUCCEEDING[role] * len(operations), failed
