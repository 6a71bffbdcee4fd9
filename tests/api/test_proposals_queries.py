"""The proposals, proxies and decisions endpoints read in a fixed number of queries.

Each test measures a small case, then asserts that many more rows cost no more queries; a
ceiling on the small case catches a constant but bloated count as well.
"""

from __future__ import annotations

import pytest

from governance.models import ProposalStatus, VotingMethod
from governance.services.ballots import ballot_cast, round_entry_add
from governance.services.proposals import (
    consent_phase_advance,
    proposal_amend,
    proposal_close,
)
from governance.services.proxies import proxy_grant
from tests.conftest import api_client_for
from tests.factories import HouseholdFactory, make_resident_user
from tests.governance.factories import open_proposal

pytestmark = pytest.mark.django_db

SMALL = 3
MANY = 20
# A page: the count and the select (visibility as subqueries), and the savepoint pair of
# ATOMIC_REQUESTS.
LIST_CEILING = 4
# The detail: the proposal, its three lists, the user's resident, voter, ballot, proxies and
# re-asked objections, the turnout, and the savepoint pair; and two per voter whose proxy the
# user holds (the selector's voter and ballot of each), at most the project's proxy limit.
DETAIL_CEILING = 14
RESULTS_CEILING = 6


def voters_of(project, count: int) -> list:
    return [make_resident_user(HouseholdFactory(project=project)) for _ in range(count)]


def add_proposals(side, n: int) -> None:
    """Open, closed (with a decision) and meeting-less proposals, with a few ballots each."""
    for index in range(n):
        proposal = open_proposal(project=side.project, hours=1 + index)
        ballot_cast(proposal=proposal, user=side.resident_user, choice="yes")
        if index % 2 == 0:
            proposal_close(proposal=proposal, now=proposal.closes_at)


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_the_proposals_list_runs_a_constant_number_of_queries(
    side_a, role, django_assert_max_num_queries
):
    client = api_client_for(getattr(side_a, role))
    client.get("/api/v1/proposals/")  # warm per-process caches (content types)

    add_proposals(side_a, SMALL)
    with django_assert_max_num_queries(LIST_CEILING) as small:
        response = client.get("/api/v1/proposals/")
    assert response.status_code == 200
    assert response.json()["count"] == SMALL
    bound = len(small)

    add_proposals(side_a, MANY - SMALL)
    with django_assert_max_num_queries(bound):
        response = client.get("/api/v1/proposals/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == MANY
    assert {row["status"] for row in rows} == {ProposalStatus.OPEN, ProposalStatus.CLOSED}
    assert all(row["outcome_text"] for row in rows if row["status"] == ProposalStatus.CLOSED)
    with django_assert_max_num_queries(bound):
        response = client.get(
            f"/api/v1/proposals/?status=closed&method=yes_no&project={side_a.project.pk}"
        )
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_the_proxies_list_runs_a_constant_number_of_queries(
    side_a, role, django_assert_max_num_queries
):
    """The resident holds them all (one per proposal); the manager sees the project's."""
    client = api_client_for(getattr(side_a, role))
    client.get("/api/v1/proxies/")
    grantor = voters_of(side_a.project, 1)[0]

    def add_proxies(n: int) -> None:
        for index in range(n):
            proposal = open_proposal(project=side_a.project)
            proxy_grant(grantor=grantor.resident, holder=side_a.resident, proposal=proposal)
            if index % 2 == 0:  # some used, for the ``used`` flag
                ballot_cast(
                    proposal=proposal,
                    user=side_a.resident_user,
                    choice="yes",
                    on_behalf_of=grantor.resident,
                )

    add_proxies(SMALL)
    with django_assert_max_num_queries(LIST_CEILING) as small:
        response = client.get("/api/v1/proxies/")
    assert response.status_code == 200
    assert response.json()["count"] == SMALL
    bound = len(small)

    add_proxies(MANY - SMALL)
    with django_assert_max_num_queries(bound):
        response = client.get("/api/v1/proxies/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == MANY
    assert {row["used"] for row in rows} == {True, False}


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_the_decisions_list_runs_a_constant_number_of_queries(
    side_a, role, django_assert_max_num_queries
):
    client = api_client_for(getattr(side_a, role))
    client.get("/api/v1/decisions/")

    add_proposals(side_a, 2 * SMALL)  # every other one closes: SMALL decisions
    with django_assert_max_num_queries(LIST_CEILING) as small:
        response = client.get("/api/v1/decisions/")
    assert response.status_code == 200
    assert response.json()["count"] == SMALL
    bound = len(small)

    add_proposals(side_a, 2 * (MANY - SMALL))
    with django_assert_max_num_queries(bound):
        response = client.get("/api/v1/decisions/?q=paint")
    assert response.status_code == 200
    assert len(response.json()["results"]) == MANY
    # The export reads the same rows, plus the project's slug for the file name.
    with django_assert_max_num_queries(bound + 1):
        response = client.get("/api/v1/decisions/export/")
    assert response.status_code == 200
    assert len(response.content.decode().strip().splitlines()) == MANY + 1


def consent_proposal_with(side, voters: list):
    """A consent proposal in its round: each voter asked a question and objected; the first
    objection was addressed by an amendment (so its objector is asked again)."""
    proposal = open_proposal(project=side.project, method=VotingMethod.CONSENT)
    for user in voters:
        round_entry_add(proposal=proposal, user=user, text=f"Question of {user.pk}?")
    consent_phase_advance(proposal=proposal)
    consent_phase_advance(proposal=proposal)
    for user in voters:
        ballot_cast(proposal=proposal, user=user, choice="object", reason=f"Reason {user.pk}.")
    first = proposal.objections.order_by("pk").first()
    proposal_amend(proposal=proposal, text="Amended.", note="", addresses=[first.pk])
    return proposal


def test_the_proposal_detail_runs_a_constant_number_of_queries(
    side_a, django_assert_max_num_queries
):
    """However many versions, round entries, objections and ballots the proposal has."""
    voters = voters_of(side_a.project, MANY)
    viewer = voters[0]  # a voter whose objection is re-asked, with a proxy to hold
    client = api_client_for(viewer)
    client.get("/api/v1/proposals/")

    small = consent_proposal_with(side_a, voters[:SMALL])
    proxy_grant(grantor=side_a.resident, holder=viewer.resident, proposal=small)
    with django_assert_max_num_queries(DETAIL_CEILING) as queries:
        response = client.get(f"/api/v1/proposals/{small.pk}/")
    assert response.status_code == 200
    assert len(response.json()["objections"]) == SMALL
    bound = len(queries)

    many = consent_proposal_with(side_a, voters)
    proxy_grant(grantor=side_a.resident, holder=viewer.resident, proposal=many)
    for _ in range(5):  # more versions, each addressing the first objection again
        objection = many.objections.order_by("pk").first()
        ballot_cast(proposal=many, user=viewer, choice="object", reason="Still.")
        proposal_amend(proposal=many, text="Again.", note="", addresses=[objection.pk])
    with django_assert_max_num_queries(bound):
        response = client.get(f"/api/v1/proposals/{many.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["round_entries"]) == MANY
    assert len(body["objections"]) == MANY + 5  # one objector objected again each time
    assert len(body["versions"]) == 7
    assert body["turnout"] == {"electorate": MANY + 2, "voted": MANY}
    assert len(body["ballot"]["reasked"]) == 1
    assert len(body["ballot"]["represented"]) == 1


def test_the_results_run_a_constant_number_of_queries(side_a, django_assert_max_num_queries):
    """Who voted what, after the close, however many voted."""
    voters = voters_of(side_a.project, MANY)
    client = api_client_for(side_a.resident_user)
    client.get("/api/v1/proposals/")

    def closed_with(users):
        proposal = open_proposal(project=side_a.project)
        for user in users:
            ballot_cast(proposal=proposal, user=user, choice="yes")
        proposal_close(proposal=proposal, now=proposal.closes_at)
        return proposal

    small = closed_with(voters[:SMALL])
    with django_assert_max_num_queries(RESULTS_CEILING) as queries:
        response = client.get(f"/api/v1/proposals/{small.pk}/results/")
    assert response.status_code == 200
    bound = len(queries)

    many = closed_with(voters)
    with django_assert_max_num_queries(bound):
        response = client.get(f"/api/v1/proposals/{many.pk}/results/")
    assert response.status_code == 200
    assert len(response.json()["ballots"]) == MANY
