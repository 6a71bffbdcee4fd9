"""The general audit log: each recorded act leaves exactly one event (who, what, where, on
what) in the act's own transaction; a refused act leaves none; the database refuses to change,
delete or empty the log; and the log never holds an income amount, a vote's choice or a
resident's name or address."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from common.audit import audit_record
from common.models import SYSTEM_ACTOR_LABEL, AuditAction, AuditEvent
from common.validation import Conflict
from community.money.services.charges import charges_run
from community.money.services.schemes import (
    scheme_adopt,
    scheme_adopt_by_decision,
    scheme_create,
)
from governance.models import VotingMethod
from governance.services.ballots import ballot_cast
from governance.services.proposals import (
    consent_phase_advance,
    proposal_close,
    proposal_create,
    proposals_close_due,
    proposals_open_due,
)
from members.models import IncomeDeclaration, Role, RoleKind, User
from members.services import (
    income_declaration_verify,
    role_grant,
    role_revoke,
)
from tests.community.factories import adopted_scheme, proposal_and_decision, set_budget
from tests.conftest import api_client_for
from tests.factories import UserFactory, make_resident_user
from tests.governance.factories import DecisionClassFactory, open_proposal

pytestmark = pytest.mark.django_db

JUNE = dt.date(2025, 6, 1)


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser(email="root@example.org", password="x")


@pytest.fixture
def mark() -> int:
    """The last event before the test acts: the side's set-up records role grants too."""
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def new(mark: int, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=mark, **filters).order_by("pk"))


def one(mark: int, action: str) -> AuditEvent:
    events = new(mark, action=action)
    assert len(events) == 1, [(e.action, e.actor_label) for e in new(mark)]
    return events[0]


def everything_logged() -> str:
    return json.dumps(
        list(AuditEvent.objects.values("actor_label", "target_type", "detail")), default=str
    )


# --- Roles -------------------------------------------------------------------------------


def test_granting_a_role_is_one_event_by_who_granted_it(side_a, admin_user, mark):
    user = UserFactory()

    role = role_grant(
        user=user, kind=RoleKind.MANAGER, project=side_a.project, granted_by=admin_user
    )

    event = one(mark, AuditAction.ROLE_GRANTED)
    assert (event.actor, event.actor_label, event.project_id, event.city_id) == (
        admin_user,
        "root@example.org",
        side_a.project.pk,
        None,
    )
    assert (event.target_type, event.target_id) == ("members.role", role.pk)
    assert event.detail == {"kind": "manager", "user": user.pk}
    assert len(new(mark)) == 1


def test_an_officers_role_is_an_event_of_the_city(side_a, admin_user, mark):
    role_grant(user=UserFactory(), kind=RoleKind.OFFICER, city=side_a.city, granted_by=admin_user)

    event = one(mark, AuditAction.ROLE_GRANTED)
    assert (event.project_id, event.city_id) == (None, side_a.city.pk)


def test_revoking_a_role_is_one_event_and_a_second_revocation_none(side_a, admin_user, mark):
    role = Role.objects.get(user=side_a.manager, revoked_at__isnull=True)

    role_revoke(role=role, revoked_by=admin_user)
    role_revoke(role=role, revoked_by=admin_user)

    event = one(mark, AuditAction.ROLE_REVOKED)
    assert (event.actor, event.project_id, event.target_id) == (
        admin_user,
        side_a.project.pk,
        role.pk,
    )
    assert len(new(mark)) == 1


def test_a_refused_grant_leaves_no_event(side_a, admin_user, mark):
    with pytest.raises(ValidationError):
        role_grant(
            user=side_a.manager,
            kind=RoleKind.MANAGER,
            project=side_a.project,
            granted_by=admin_user,
        )

    assert new(mark) == []


def test_the_admins_revoke_action_records_the_admin(side_a, admin_user, mark):
    request = RequestFactory().post("/")
    request.user = admin_user
    request._messages = type("Messages", (), {"add": lambda *args, **kwargs: None})()
    model_admin = admin_site._registry[Role]

    model_admin.revoke(request, Role.objects.filter(user=side_a.manager))

    assert one(mark, AuditAction.ROLE_REVOKED).actor == admin_user


# --- Incomes -----------------------------------------------------------------------------


def test_a_manager_listing_incomes_is_one_event_per_household_with_no_amount(side_a, mark):
    response = api_client_for(side_a.manager).get("/api/v1/income-declarations/")

    assert response.status_code == 200
    events = new(mark, action=AuditAction.INCOME_VIEWED)
    assert sorted((e.target_type, e.target_id) for e in events) == sorted(
        [("members.household", side_a.household.pk), ("members.household", side_a.neighbour.pk)]
    )
    assert {(e.actor_id, e.actor_label, e.project_id) for e in events} == {
        (side_a.manager.pk, side_a.manager.email, side_a.project.pk)
    }
    assert len(new(mark)) == 2
    logged = everything_logged()
    for declaration in IncomeDeclaration.objects.all():
        for amount in (declaration.gross_monthly_cents, declaration.disposable_monthly_cents):
            assert str(amount) not in logged


def test_the_household_reading_its_own_income_leaves_no_event(side_a, mark):
    api_client_for(side_a.resident_user).get("/api/v1/income-declarations/")

    assert new(mark) == []


def test_verifying_an_income_is_one_event(side_a, mark):
    income_declaration_verify(
        declaration=side_a.neighbour_income, verified_by=side_a.manager, evidence_status="verified"
    )

    event = one(mark, AuditAction.INCOME_VERIFIED)
    assert (event.actor, event.project_id, event.target_id) == (
        side_a.manager,
        side_a.project.pk,
        side_a.neighbour.pk,
    )
    assert event.detail == {
        "evidence_status": "verified",
        "declarations": [side_a.neighbour_income.pk],
    }


def test_a_manager_declaring_for_a_household_is_one_event(side_a, mark):
    response = api_client_for(side_a.manager).post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.neighbour.pk,
            "valid_from": "2025-07-01",
            "gross_monthly_cents": 251_234,
            "disposable_monthly_cents": 201_234,
        },
        format="json",
    )

    assert response.status_code == 201
    event = one(mark, AuditAction.INCOME_CREATED)
    assert event.project_id == side_a.project.pk
    assert "251234" not in everything_logged() and "201234" not in everything_logged()


# --- Schemes and charges -----------------------------------------------------------------


def test_a_manager_adopting_a_scheme_is_one_event(side_a, mark):
    scheme = scheme_create(
        project=side_a.project,
        name="Flat",
        method="flat",
        parameters={"basis": "equal"},
        valid_from=JUNE,
    )

    scheme_adopt(scheme=scheme, adopted_by=side_a.manager)

    event = one(mark, AuditAction.SCHEME_ADOPTED)
    assert (event.actor, event.project_id, event.target_type, event.target_id) == (
        side_a.manager,
        side_a.project.pk,
        "community.contributionscheme",
        scheme.pk,
    )
    assert event.detail["decision"] is None
    assert event.detail["valid_from"] == "2025-06-01"


def test_a_refused_adoption_leaves_no_event(side_a):
    adopted = adopted_scheme(side_a.project, valid_from=JUNE)
    before = AuditEvent.objects.count()
    overlapping = scheme_create(
        project=side_a.project,
        name="Again",
        method="flat",
        parameters={"basis": "equal"},
        valid_from=JUNE,
    )

    with pytest.raises(ValidationError):
        scheme_adopt(scheme=overlapping, adopted_by=side_a.manager)
    with pytest.raises(Conflict):
        scheme_adopt(scheme=adopted, adopted_by=side_a.manager)

    assert AuditEvent.objects.count() == before


def test_a_decision_adopting_a_scheme_is_an_event_of_the_system(side_a, mark):
    proposal, decide = proposal_and_decision(side_a.project)
    scheme = scheme_create(
        project=side_a.project,
        name="Voted",
        method="flat",
        parameters={"basis": "equal"},
        valid_from=JUNE,
        adopting_proposal=proposal,
    )
    decision = decide()
    scheme_adopt_by_decision(decision=decision)

    event = one(mark, AuditAction.SCHEME_ADOPTED)
    assert (event.actor, event.actor_label, event.target_id) == (
        None,
        SYSTEM_ACTOR_LABEL,
        scheme.pk,
    )
    assert event.detail["decision"] == decision.pk


def test_a_charge_run_is_one_event_and_its_repeat_none(side_a, mark):
    set_budget(side_a.project, JUNE)
    adopted_scheme(side_a.project)
    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    run = charges_run(project=side_a.project, month=JUNE, triggered_by=side_a.manager)
    charges_run(project=side_a.project, month=JUNE, triggered_by=side_a.manager)

    event = one(start, AuditAction.CHARGES_RUN)
    assert (event.actor, event.project_id, event.target_id) == (
        side_a.manager,
        side_a.project.pk,
        run.pk,
    )
    assert event.detail == {
        "month": "2025-06-01",
        "scheme": run.scheme_id,
        "households": run.household_count,
    }
    assert str(run.total_cents) not in json.dumps(event.detail)


def test_the_monthly_run_by_the_schedule_is_an_event_of_the_system(side_a, mark):
    set_budget(side_a.project, JUNE)
    adopted_scheme(side_a.project)

    charges_run(project=side_a.project, month=JUNE)

    event = one(mark, AuditAction.CHARGES_RUN)
    assert (event.actor, event.actor_label) == (None, SYSTEM_ACTOR_LABEL)


def test_a_refused_charge_run_leaves_no_event(side_a, mark):
    with pytest.raises(ValidationError):
        charges_run(project=side_a.project, month=JUNE, triggered_by=side_a.manager)

    assert new(mark) == []


# --- Votes -------------------------------------------------------------------------------


def test_the_schedule_opening_and_closing_a_vote_are_events_of_the_system(side_a, mark):
    now = dt.datetime.now(dt.UTC)
    proposal = proposal_create(
        project=side_a.project,
        decision_class=DecisionClassFactory(project=side_a.project),
        title="Paint the hall",
        text="Blue.",
        opens_at=now,
        closes_at=now + dt.timedelta(hours=2),
        now=now,
    )

    assert proposals_open_due(now=now + dt.timedelta(minutes=1)) == 1
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    assert proposals_close_due(now=now + dt.timedelta(hours=3)) == 1

    opened = one(mark, AuditAction.PROPOSAL_OPENED)
    closed = one(mark, AuditAction.PROPOSAL_CLOSED)
    for event in (opened, closed):
        assert (event.actor, event.actor_label, event.project_id, event.target_id) == (
            None,
            SYSTEM_ACTOR_LABEL,
            side_a.project.pk,
            proposal.pk,
        )
    assert closed.detail["early"] is False
    assert set(closed.detail) == {"decision", "early", "passed"}
    assert '"yes"' not in everything_logged()


def test_a_manager_closing_a_consent_round_is_recorded_with_no_choice(side_a, mark):
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    consent_phase_advance(proposal=proposal)
    consent_phase_advance(proposal=proposal)
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="stand_aside")

    response = api_client_for(side_a.manager).post(f"/api/v1/proposals/{proposal.pk}/close-round/")

    assert response.status_code == 200
    closed = one(mark, AuditAction.PROPOSAL_CLOSED)
    assert (closed.actor, closed.actor_label) == (side_a.manager, side_a.manager.email)
    assert closed.detail["early"] is True
    assert "stand_aside" not in everything_logged()


def test_closing_before_time_is_refused_and_leaves_no_close_event(side_a, mark):
    proposal = open_proposal(project=side_a.project)

    with pytest.raises(Conflict):
        proposal_close(proposal=proposal, early=True, closed_by=side_a.manager)

    assert new(mark, action=AuditAction.PROPOSAL_CLOSED) == []


# --- Erasure and exports -----------------------------------------------------------------


def test_erasing_a_resident_records_it_and_the_roles_it_ends_without_a_name(client, side_a, mark):
    user = side_a.resident_user
    email = user.email
    name = side_a.resident.first_name
    client.force_login(side_a.manager)

    response = client.post(f"/residents/{side_a.resident.pk}/remove/")

    assert response.status_code == 302
    erased = one(mark, AuditAction.RESIDENT_ERASED)
    assert (erased.actor, erased.project_id, erased.target_type, erased.target_id) == (
        side_a.manager,
        side_a.project.pk,
        "members.resident",
        side_a.resident.pk,
    )
    assert erased.detail == {"household": side_a.household.pk, "user": user.pk}
    assert one(mark, AuditAction.ROLE_REVOKED).actor == side_a.manager
    logged = everything_logged()
    assert email not in logged and name not in logged


def test_a_persons_export_is_labelled_by_account_number_not_address(client, side_a, mark):
    user = side_a.resident_user
    client.force_login(user)

    assert client.get("/me/data.json").status_code == 200
    assert api_client_for(user).get("/api/v1/me/export/").status_code == 200
    assert client.get("/me/data/").status_code == 200  # reading it on the page: no export

    events = new(mark, action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert [e.detail["via"] for e in events] == ["page", "api"]
    assert {(e.actor_id, e.actor_label, e.project_id) for e in events} == {
        (user.pk, f"#{user.pk}", side_a.project.pk)
    }
    assert len(new(mark)) == 2
    assert user.email not in everything_logged()


def test_an_export_of_someone_living_nowhere_is_an_event_of_no_project(side_a, mark):
    api_client_for(side_a.officer).get("/api/v1/me/export/")

    assert one(mark, AuditAction.PERSONAL_DATA_EXPORTED).project_id is None


# --- Append-only -------------------------------------------------------------------------


@pytest.fixture
def event(side_a) -> AuditEvent:
    return audit_record(
        actor=side_a.manager,
        action=AuditAction.CHARGES_RUN,
        project_id=side_a.project.pk,
        detail={"month": "2025-06-01"},
    )


def test_the_orm_refuses_to_change_or_delete_an_event(event):
    event.action = AuditAction.ROLE_GRANTED
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.ROLE_GRANTED)
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE common_auditevent SET action = 'role.granted' WHERE id = %s",
        "UPDATE common_auditevent SET detail = '{}' WHERE id = %s",
        "UPDATE common_auditevent SET actor_id = NULL, actor_label = 'nobody' WHERE id = %s",
        "DELETE FROM common_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(event, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])

    event.refresh_from_db()
    assert (event.action, event.actor_label, event.detail) == (
        AuditAction.CHARGES_RUN,
        event.actor.email,
        {"month": "2025-06-01"},
    )


def test_the_database_refuses_to_point_an_event_at_another_account(event, side_a):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE common_auditevent SET actor_id = %s WHERE id = %s",
                [side_a.resident_user.pk, event.pk],
            )


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_empty_the_log(event):
    """Committed first: TRUNCATE refuses a table with pending checks of the same transaction."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            # The test settings allow the flush between tests; this session takes it back.
            cursor.execute("SET LOCAL netco.audit_log_truncate = ''")
            cursor.execute("TRUNCATE common_auditevent")

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_event_outlives_the_account_that_acted(event, side_a):
    email = side_a.manager.email

    side_a.manager.delete()

    event.refresh_from_db()
    assert (event.actor, event.actor_label) == (None, email)


def test_an_act_rolled_back_takes_its_event_with_it(side_a, mark):
    with pytest.raises(RuntimeError), transaction.atomic():
        role_grant(user=UserFactory(), kind=RoleKind.RESIDENT, project=side_a.project)
        raise RuntimeError

    assert new(mark) == []


def test_an_unknown_action_is_refused_before_the_database(side_a):
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit_record(actor=None, action="coffee.made")


def test_the_admin_shows_the_log_read_only(event, admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin_site._registry[AuditEvent]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert model_admin.has_view_permission(request, event)


def test_a_role_granted_by_nobody_is_an_event_of_the_system(side_a, mark):
    """As a set-up script grants them: no account acted."""
    user = make_resident_user(side_a.neighbour)

    event = one(mark, AuditAction.ROLE_GRANTED)
    assert (event.actor, event.actor_label, event.detail["user"]) == (
        None,
        SYSTEM_ACTOR_LABEL,
        user.pk,
    )


# --- A household's statement as a spreadsheet --------------------------------------------


def test_a_managers_statement_download_is_one_event_and_the_households_own_none(
    client, side_a, mark
):
    query = {"start": "2025-01-01", "end": "2025-06-30"}
    client.force_login(side_a.manager)

    assert client.get(f"/households/{side_a.neighbour.pk}/statement.csv", query).status_code == 200
    response = api_client_for(side_a.manager).get(
        f"/api/v1/households/{side_a.neighbour.pk}/statement/", {**query, "format": "csv"}
    )
    assert response.status_code == 200
    api_client_for(side_a.resident_user).get(
        f"/api/v1/households/{side_a.household.pk}/statement/", {**query, "format": "csv"}
    )

    events = new(mark, action=AuditAction.STATEMENT_EXPORTED)
    assert [(e.actor, e.project_id, e.target_id, e.detail["via"]) for e in events] == [
        (side_a.manager, side_a.project.pk, side_a.neighbour.pk, "page"),
        (side_a.manager, side_a.project.pk, side_a.neighbour.pk, "api"),
    ]
    assert events[0].detail == {"start": "2025-01-01", "end": "2025-06-30", "via": "page"}
    assert len(new(mark)) == 2
