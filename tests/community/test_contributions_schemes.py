"""Budgets and contribution schemes: validation on fields, adoption that never lets two schemes
be in force on one day (the service and, underneath, the PostgreSQL exclusion constraint),
adoption by a governance decision, retirement, and who sees which scheme."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.validation import Conflict
from community.money.contribution_parameters import METHOD_LABELS, Method
from community.money.models import (
    Budget,
    BudgetLine,
    ContributionScheme,
    SchemeMethod,
    SchemeStatus,
)
from community.money.selectors.ledger import (
    budget_for_month,
    scheme_in_force,
    scheme_list_for_user,
)
from community.money.services.budgets import budget_set
from community.money.services.charges import charges_run
from community.money.services.schemes import (
    scheme_adopt,
    scheme_adopt_by_decision,
    scheme_create,
    scheme_retire,
    scheme_update,
)
from tests.community.factories import (
    JULY,
    JUNE,
    adopted_scheme,
    proposal_and_decision,
    set_budget,
)
from tests.factories import HouseholdFactory, ProjectFactory, make_manager, make_resident_user

pytestmark = pytest.mark.django_db

JAN = dt.date(2025, 1, 1)


def draft(project, **overrides) -> ContributionScheme:
    arguments = {
        "project": project,
        "name": "Solidarity 2025",
        "method": "income_share",
        "parameters": {"rate_percent": "25", "floor_cents": 10_000, "cap_cents": 90_000},
        "valid_from": JAN,
        **overrides,
    }
    return scheme_create(**arguments)


# --- Budgets -----------------------------------------------------------------------------


def test_a_budget_keeps_its_lines_and_totals_them_in_sql(side_a, django_assert_num_queries):
    budget_set(
        project=side_a.project,
        month=JUNE,
        lines=[
            {"category": "loan", "label": "Mortgage", "amount_cents": 180_000},
            {"category": "maintenance", "label": "Lift", "amount_cents": 25_050},
            {"category": "reserves", "amount_cents": 0},
        ],
    )

    with django_assert_num_queries(2):  # the budget with its total, then its lines
        budget = budget_for_month(project=side_a.project, month=JUNE)
        lines = [(line.category, line.label, line.amount_cents) for line in budget.lines.all()]
    assert budget.total_cents == 205_050
    assert lines == [
        ("loan", "Mortgage", 180_000),
        ("maintenance", "Lift", 25_050),
        ("reserves", "", 0),
    ]


def test_setting_a_budget_again_replaces_its_lines(side_a):
    set_budget(side_a.project, JUNE, 100_000, 50_000)
    budget = set_budget(side_a.project, JUNE, 70_000)

    assert Budget.objects.filter(project=side_a.project).count() == 1
    assert budget.total_cents == 70_000
    assert BudgetLine.objects.filter(budget__project=side_a.project).count() == 1


@pytest.mark.parametrize(
    ("lines", "fields"),
    [
        ([{"category": "loan", "amount_cents": -1}], {"lines.0.amount_cents"}),
        (
            [
                {"category": "loan", "amount_cents": 100},
                {"category": "bribes", "amount_cents": "12"},
            ],
            {"lines.1.category", "lines.1.amount_cents"},
        ),
        ([{"category": "loan", "amount_cents": 1, "vat": 3}], {"lines.0.vat"}),
        ([{"category": "loan", "amount_cents": 1.5}], {"lines.0.amount_cents"}),
        ([], {"lines"}),
    ],
)
def test_bad_budget_lines_are_refused_on_their_field_and_nothing_is_written(side_a, lines, fields):
    set_budget(side_a.project, JUNE, 100_000)

    with pytest.raises(ValidationError) as error:
        budget_set(project=side_a.project, month=JUNE, lines=lines)

    assert set(error.value.message_dict) == fields
    assert budget_for_month(project=side_a.project, month=JUNE).total_cents == 100_000


def test_a_budget_month_is_the_first_of_a_month(side_a):
    with pytest.raises(ValidationError) as error:
        budget_set(
            project=side_a.project,
            month=dt.date(2025, 6, 15),
            lines=[{"category": "loan", "amount_cents": 1}],
        )
    assert set(error.value.message_dict) == {"month"}
    assert not Budget.objects.exists()


def test_a_charged_month_keeps_its_budget(side_a):
    adopted_scheme(side_a.project)
    set_budget(side_a.project, JUNE, 100_000)
    charges_run(project=side_a.project, month=JUNE)

    with pytest.raises(Conflict):
        set_budget(side_a.project, JUNE, 1)
    assert budget_for_month(project=side_a.project, month=JUNE).total_cents == 100_000


# --- Scheme validation -------------------------------------------------------------------


def test_a_scheme_offers_exactly_the_methods_of_the_formulas():
    assert SchemeMethod.values == [method.value for method in Method]
    assert SchemeMethod.GREATEST_OF.label == METHOD_LABELS[Method.GREATEST_OF]


def test_a_draft_keeps_its_normalised_parameters(side_a):
    scheme = draft(side_a.project)

    assert scheme.status == SchemeStatus.DRAFT
    assert scheme.parameters["rate_percent"] == "25"
    assert scheme.parameters["floor_cents"] == 10_000
    assert scheme.parameters["cap_cents"] == 90_000


def test_a_draft_without_parameters_starts_from_the_methods_defaults(side_a):
    scheme = scheme_create(project=side_a.project, name="HUD", method="greatest_of", valid_from=JAN)

    assert scheme.parameters["adjusted_rate_percent"] == "30"
    assert scheme.parameters["minimum_cents"] == 5000


BANDS_WITH_A_GAP = [
    {"from_cents": 0, "to_cents": 100_000, "amount_cents": 20_000},
    {"from_cents": 150_000, "to_cents": None, "amount_cents": 40_000},
]
BANDS_OVERLAPPING = [
    {"from_cents": 0, "to_cents": 100_000, "amount_cents": 20_000},
    {"from_cents": 90_000, "to_cents": None, "amount_cents": 40_000},
]


@pytest.mark.parametrize(
    ("method", "parameters", "fields"),
    [
        ("income_share", {"rate_percent": "130"}, {"parameters.rate_percent"}),
        ("income_share", {"rate_percent": "-1"}, {"parameters.rate_percent"}),
        (
            "income_share",
            {"rate_percent": "30", "floor_cents": 50_000, "cap_cents": 40_000},
            {"parameters.floor_cents"},
        ),
        ("income_share", {"rate_percent": "30", "floor_cents": -5}, {"parameters.floor_cents"}),
        ("income_share", {"rate_percent": "30", "bonus": 1}, {"parameters.bonus"}),
        ("income_bands", {"income": "disposable", "bands": BANDS_WITH_A_GAP}, {"parameters.bands"}),
        (
            "income_bands",
            {"income": "disposable", "bands": BANDS_OVERLAPPING},
            {"parameters.bands"},
        ),
        ("flat", {}, {"parameters.basis"}),
        ("lottery", {}, {"method"}),
    ],
)
def test_bad_scheme_parameters_are_refused_on_their_field(side_a, method, parameters, fields):
    with pytest.raises(ValidationError) as error:
        scheme_create(
            project=side_a.project,
            name="Bad",
            method=method,
            parameters=parameters,
            valid_from=JAN,
        )

    assert set(error.value.message_dict) == fields
    assert not ContributionScheme.objects.exists()


@pytest.mark.parametrize(
    ("period", "field"),
    [
        ({"valid_from": dt.date(2025, 1, 2)}, "valid_from"),
        ({"valid_to": dt.date(2025, 6, 15)}, "valid_to"),
        ({"valid_from": JULY, "valid_to": dt.date(2025, 6, 30)}, "valid_to"),
    ],
)
def test_a_scheme_covers_whole_months(side_a, period, field):
    with pytest.raises(ValidationError) as error:
        draft(side_a.project, **period)
    assert set(error.value.message_dict) == {field}


def test_changing_the_method_of_a_draft_starts_from_its_defaults(side_a):
    scheme = draft(side_a.project)

    scheme = scheme_update(scheme=scheme, method="flat")

    assert scheme.parameters == {"basis": "equal"}


def test_a_draft_update_is_validated(side_a):
    scheme = draft(side_a.project)

    with pytest.raises(ValidationError) as error:
        scheme_update(scheme=scheme, parameters={"rate_percent": "101"})

    assert set(error.value.message_dict) == {"parameters.rate_percent"}
    scheme.refresh_from_db()
    assert scheme.parameters["rate_percent"] == "25"


def test_only_a_draft_can_be_changed(side_a):
    scheme = scheme_adopt(scheme=draft(side_a.project), adopted_by=side_a.manager)

    with pytest.raises(Conflict):
        scheme_update(scheme=scheme, name="Renamed")


# --- Adoption ----------------------------------------------------------------------------


def test_a_manager_adopts_a_draft(side_a):
    scheme = scheme_adopt(scheme=draft(side_a.project), adopted_by=side_a.manager)

    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.ADOPTED
    assert scheme.adopted_by == side_a.manager
    assert scheme.adopted_at is not None
    assert scheme_in_force(project=side_a.project, on=JUNE) == scheme


def test_adopting_over_a_scheme_in_force_is_refused_on_valid_from(side_a):
    adopted_scheme(side_a.project, valid_from=JAN, name="Flat 2025")
    later = draft(side_a.project, valid_from=JUNE)

    with pytest.raises(ValidationError) as error:
        scheme_adopt(scheme=later, adopted_by=side_a.manager)

    assert set(error.value.message_dict) == {"valid_from"}
    assert "Flat 2025" in error.value.message_dict["valid_from"][0]
    later.refresh_from_db()
    assert later.status == SchemeStatus.DRAFT


def test_an_open_ended_draft_cannot_start_before_a_scheme_in_force(side_a):
    adopted_scheme(side_a.project, valid_from=JULY)

    with pytest.raises(ValidationError):
        scheme_adopt(scheme=draft(side_a.project, valid_from=JAN))


def test_back_to_back_schemes_are_adopted(side_a):
    first = adopted_scheme(side_a.project, valid_from=JAN, valid_to=dt.date(2025, 6, 30))
    second = scheme_adopt(scheme=draft(side_a.project, valid_from=JULY))

    assert scheme_in_force(project=side_a.project, on=dt.date(2025, 6, 1)) == first
    assert scheme_in_force(project=side_a.project, on=JULY) == second
    assert scheme_in_force(project=side_a.project, on=dt.date(2024, 12, 1)) is None


def test_another_projects_schemes_do_not_overlap_this_ones(side_a):
    adopted_scheme(side_a.other_project, valid_from=JAN)

    assert scheme_adopt(scheme=draft(side_a.project)).status == SchemeStatus.ADOPTED


def test_the_database_refuses_two_adopted_schemes_in_force_on_one_day(side_a):
    """Defence in depth: a write that skips the service meets the exclusion constraint."""
    adopted_scheme(side_a.project, valid_from=JAN)
    other = draft(side_a.project, valid_from=JUNE)

    with pytest.raises(IntegrityError), transaction.atomic():
        ContributionScheme.objects.filter(pk=other.pk).update(
            status=SchemeStatus.ADOPTED, adopted_at=timezone.now()
        )


def test_the_database_accepts_a_draft_overlapping_an_adopted_scheme(side_a):
    adopted_scheme(side_a.project, valid_from=JAN)
    assert draft(side_a.project, valid_from=JAN).status == SchemeStatus.DRAFT


def test_an_adopted_scheme_is_not_adopted_again(side_a):
    scheme = adopted_scheme(side_a.project)

    with pytest.raises(Conflict):
        scheme_adopt(scheme=scheme)


def test_a_charged_month_cannot_be_given_to_a_new_scheme(side_a):
    old = adopted_scheme(side_a.project, valid_from=JAN)
    set_budget(side_a.project, JUNE)
    charges_run(project=side_a.project, month=JUNE)
    scheme_retire(scheme=old, valid_to=dt.date(2025, 6, 30))

    with pytest.raises(ValidationError) as error:
        scheme_adopt(scheme=draft(side_a.project, valid_from=JUNE))

    assert "2025-06" in error.value.message_dict["valid_from"][0]
    assert scheme_adopt(scheme=draft(side_a.project, valid_from=JULY)).status == "adopted"


# --- Adoption by a decision --------------------------------------------------------------


def test_a_passed_proposal_adopts_its_scheme_and_the_decision_is_recorded(side_a):
    proposal, decide = proposal_and_decision(side_a.project, passed=True)
    scheme = draft(side_a.project, adopting_proposal=proposal)

    decision = decide()
    outcome = scheme_adopt_by_decision(decision=decision)

    scheme.refresh_from_db()
    assert outcome.adopted == [scheme]
    assert scheme.status == SchemeStatus.ADOPTED
    assert scheme.adopted_by_decision == decision
    assert scheme.adopted_by is None
    # Called again (a retried task): nothing more happens.
    assert scheme_adopt_by_decision(decision=decision).adopted == []


def test_a_rejected_proposal_adopts_nothing(side_a):
    proposal, decide = proposal_and_decision(side_a.project, passed=False)
    scheme = draft(side_a.project, adopting_proposal=proposal)

    assert scheme_adopt_by_decision(decision=decide()).adopted == []
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.DRAFT


def test_a_decision_that_cannot_adopt_reports_why_and_leaves_the_draft(side_a):
    adopted_scheme(side_a.project, valid_from=JAN)
    proposal, decide = proposal_and_decision(side_a.project)
    scheme = draft(side_a.project, adopting_proposal=proposal, valid_from=JUNE)

    outcome = scheme_adopt_by_decision(decision=decide())

    assert outcome.adopted == []
    assert list(outcome.refused) == [scheme.pk]
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.DRAFT


def test_a_proposal_of_another_project_cannot_adopt_a_scheme(side_a):
    proposal, _decide = proposal_and_decision(side_a.other_project)

    with pytest.raises(ValidationError) as error:
        draft(side_a.project, adopting_proposal=proposal)

    assert set(error.value.message_dict) == {"adopting_proposal"}


# --- Retirement --------------------------------------------------------------------------


def test_retiring_keeps_the_months_charged_under_the_scheme(side_a):
    scheme = adopted_scheme(side_a.project)
    set_budget(side_a.project, JUNE)
    charges_run(project=side_a.project, month=JUNE)

    scheme = scheme_retire(scheme=scheme)

    assert scheme.status == SchemeStatus.RETIRED
    assert scheme.valid_to == dt.date(2025, 6, 30)
    assert scheme_in_force(project=side_a.project, on=JUNE) == scheme
    assert scheme_in_force(project=side_a.project, on=JULY) is None


def test_a_scheme_retired_before_it_applied_is_withdrawn(side_a):
    scheme = scheme_retire(scheme=adopted_scheme(side_a.project))

    assert scheme.valid_to is None
    assert scheme_in_force(project=side_a.project, on=JUNE) is None
    assert scheme_adopt(scheme=draft(side_a.project)).status == SchemeStatus.ADOPTED


def test_retiring_cannot_take_a_charged_month_from_the_scheme(side_a):
    scheme = adopted_scheme(side_a.project)
    set_budget(side_a.project, JUNE)
    charges_run(project=side_a.project, month=JUNE)

    with pytest.raises(ValidationError) as error:
        scheme_retire(scheme=scheme, valid_to=dt.date(2025, 5, 31))

    assert set(error.value.message_dict) == {"valid_to"}


# --- Who sees which scheme ---------------------------------------------------------------


def test_schemes_are_seen_by_their_projects_managers_and_residents_only(side_a, side_b):
    adopted = adopted_scheme(side_a.project, name="In force")
    quiet_draft = draft(side_a.project, name="Manager's sketch", valid_from=dt.date(2026, 1, 1))
    proposal, _decide = proposal_and_decision(side_a.project)
    voted_draft = draft(
        side_a.project,
        name="Put to the vote",
        valid_from=dt.date(2027, 1, 1),
        adopting_proposal=proposal,
    )
    elsewhere = adopted_scheme(side_b.project, name="Elsewhere")

    def names(user) -> set[str]:
        return set(scheme_list_for_user(user=user).values_list("name", flat=True))

    assert names(side_a.manager) == {adopted.name, quiet_draft.name, voted_draft.name}
    assert names(side_a.resident_user) == {adopted.name, voted_draft.name}
    assert names(side_a.officer) == set()
    assert names(side_b.manager) == {elsewhere.name}
    stranger = make_resident_user(HouseholdFactory(project=ProjectFactory()))
    assert names(stranger) == set()
    assert names(make_manager(side_a.other_project)) == set()
