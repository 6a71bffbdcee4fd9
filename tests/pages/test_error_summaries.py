"""The summary of errors on the pages that hold several forms, or a form and its formset: each
refused answer is listed at the top, as a link to its field, and the field says it is invalid
and which message describes it (WCAG 1.3.1, 3.3.1). A refused form writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.apps import apps
from django.http import HttpResponse
from django.test import Client

from governance.models import VotingMethod
from governance.services.ballots import ballot_cast
from governance.services.proposals import proposal_close
from tests.community.factories import SpaceFactory, adopted_scheme
from tests.governance.factories import open_proposal
from tests.pages.helpers import error_summary_problems, html

pytestmark = pytest.mark.django_db

OUR_APPS = ("common", "members", "community", "governance")

Request = Callable[[], HttpResponse]


def rows_written() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
    }


def band_rows(*rows: tuple[str, str, str, str]) -> dict[str, str]:
    data = {
        "bands-TOTAL_FORMS": str(len(rows)),
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in zip(
            ("from_cents", "to_cents", "amount_cents", "rate_percent"), row, strict=True
        ):
            data[f"bands-{index}-{name}"] = value
    return data


BAND_PARAMETERS = {
    "income": "disposable",
    "missing_income": "cap",
    "cost_share_basis": "equal",
    "cost_share_percent": "100",
}


def scheme_form(client: Client, side) -> Request:
    """The scheme form, its parameters and its bands: a name missing, a parameter and two
    bands refused."""
    client.force_login(side.manager)
    data = {"method": "income_bands", "name": "", "valid_from": "2030-01", "valid_to": ""}
    data |= BAND_PARAMETERS | {"income": "wealth"}
    data |= band_rows(("0", "ten", "", "20"), ("1000", "", "-5", ""))
    return lambda: client.post(f"/projects/{side.project.pk}/schemes/new/", data)


def simulation(client: Client, side) -> Request:
    """The month form and the parameters form of the simulation."""
    client.force_login(side.manager)
    return lambda: client.get(
        f"/projects/{side.project.pk}/simulate/",
        {"method": "income_bands", "run": "1", "month": "2030-13"}
        | BAND_PARAMETERS
        | band_rows(("0", "", "", "")),
    )


def scheme_retirement(client: Client, side) -> Request:
    client.force_login(side.manager)
    scheme = adopted_scheme(
        side.project, "flat", {"basis": "equal"}, valid_from=dt.date(2025, 1, 1)
    )
    return lambda: client.post(f"/schemes/{scheme.pk}/retire/", {"valid_to": "May"})


def statement_period(client: Client, side) -> Request:
    client.force_login(side.resident_user)
    return lambda: client.get(
        f"/households/{side.household.pk}/statement/", {"start": "2026-05-01", "end": "sooner"}
    )


def arrears_filter(client: Client, side) -> Request:
    client.force_login(side.manager)
    return lambda: client.get(
        f"/projects/{side.project.pk}/arrears/", {"min_amount_cents": "many", "min_months": "-1"}
    )


def space_settings(client: Client, side) -> Request:
    client.force_login(side.manager)
    space = SpaceFactory(project=side.project)
    return lambda: client.post(f"/spaces/{space.pk}/settings/", {"name": "", "capacity": "-2"})


def space_closure(client: Client, side) -> Request:
    """The second form of the space's settings."""
    client.force_login(side.manager)
    space = SpaceFactory(project=side.project)
    return lambda: client.post(f"/spaces/{space.pk}/closures/", {"start": "soon", "end": ""})


def free_space_search(client: Client, side) -> Request:
    client.force_login(side.resident_user)
    return lambda: client.get(
        f"/projects/{side.project.pk}/spaces/",
        {"start": "2030-01-07T10:00", "end": "2030-01-07T09:00", "attendees": "0"},
    )


def consent_round(client: Client, side) -> Request:
    client.force_login(side.resident_user)
    proposal = open_proposal(project=side.project, method=VotingMethod.CONSENT)
    return lambda: client.post(f"/proposals/{proposal.pk}/round/", {"entry-text": "  "})


def receipt_search(client: Client, side) -> Request:
    """The results' search of a receipt code."""
    proposal = open_proposal(project=side.project, secret=True)
    ballot_cast(proposal=proposal, user=side.resident_user, choice="yes")
    proposal_close(proposal=proposal, now=proposal.closes_at)
    client.force_login(side.resident_user)
    return lambda: client.get(f"/proposals/{proposal.pk}/results/", {"code": "A" * 33})


def decision_register_filter(client: Client, side) -> Request:
    client.force_login(side.resident_user)
    return lambda: client.get(f"/projects/{side.project.pk}/decisions/", {"q": "roof " * 41})


PAGES: list[Callable[[Client, object], Request]] = [
    scheme_form,
    simulation,
    scheme_retirement,
    statement_period,
    arrears_filter,
    space_settings,
    space_closure,
    free_space_search,
    consent_round,
    receipt_search,
    decision_register_filter,
]


@pytest.mark.parametrize("refuse", PAGES, ids=[page.__name__ for page in PAGES])
def test_a_refused_form_is_summed_up_with_links_to_its_invalid_fields(client, side_a, refuse):
    request = refuse(client, side_a)
    before = rows_written()

    response = request()

    assert response.status_code == 200
    assert error_summary_problems(html(response)) == []
    assert rows_written() == before


def test_the_summary_counts_every_error_of_a_form_and_its_formset(client, side_a):
    page = html(scheme_form(client, side_a)())

    assert "This form has 4 problems:" in page
    assert 'href="#id_name"' in page
    assert 'href="#id_income"' in page
    assert 'href="#id_bands-0-to_cents"' in page
    assert 'href="#id_bands-1-amount_cents"' in page


def test_the_free_space_search_sums_up_its_errors_when_htmx_swaps_it(client, side_a):
    client.force_login(side_a.resident_user)
    response = client.get(
        f"/projects/{side_a.project.pk}/spaces/",
        {"start": "2030-01-07T10:00", "end": "2030-01-07T09:00"},
        headers={"HX-Request": "true"},
    )

    page = html(response)
    assert page.startswith('<section id="free-search"')
    assert error_summary_problems(page) == []
