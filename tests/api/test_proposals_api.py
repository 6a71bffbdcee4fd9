"""The proposals, proxies and decisions API, through HTTP as a client sees it.

Votes are cast through the API; the close is the scheduled one (``proposal_close`` at the
closing time), as the beat task runs it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from governance.models import (
    Decision,
    Meeting,
    MeetingKind,
    Objection,
    Participation,
    Proposal,
    ProposalStatus,
    Proxy,
    SecretChoice,
    VotingMethod,
)
from governance.services.ballots import ballot_cast
from governance.services.proposals import proposal_close, proposal_create
from governance.services.proxies import proxy_grant
from members.models import RoleKind
from members.services import role_grant
from tests.conftest import api_client_for
from tests.factories import HouseholdFactory, ResidentFactory, make_resident_user
from tests.governance.factories import DecisionClassFactory, open_proposal

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals/"
PROXIES = "/api/v1/proxies/"
DECISIONS = "/api/v1/decisions/"


def voters_of(project, count: int) -> list:
    """Resident users, each in a household of their own (one vote per household)."""
    return [make_resident_user(HouseholdFactory(project=project)) for _ in range(count)]


def vote(user, proposal, choice, **extra):
    return api_client_for(user).post(
        f"{PROPOSALS}{proposal.pk}/vote/", {"choice": choice, **extra}, format="json"
    )


def close(proposal: Proposal) -> Decision:
    """The scheduled close, at the closing time."""
    return proposal_close(proposal=proposal, now=proposal.closes_at)


def results(user, proposal):
    return api_client_for(user).get(f"{PROPOSALS}{proposal.pk}/results/")


def draft_body(side, **changes) -> dict:
    now = timezone.now()
    body = {
        "project": side.project.pk,
        "decision_class": DecisionClassFactory(project=side.project).pk,
        "title": "A bike shed",
        "text": "Build one by the gate.",
        "opens_at": (now + dt.timedelta(days=1)).isoformat(),
        "closes_at": (now + dt.timedelta(days=8)).isoformat(),
    }
    body.update(changes)
    return body


# --- Drafting -----------------------------------------------------------------------------------


def test_a_manager_drafts_edits_and_withdraws_a_proposal(side_a):
    manager = api_client_for(side_a.manager)

    response = manager.post(PROPOSALS, draft_body(side_a), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "draft"
    assert created["method"] == "yes_no"
    assert created["versions"] == [
        {
            "version": 1,
            "text": "Build one by the gate.",
            "note": "",
            "created_at": created["versions"][0]["created_at"],
        }
    ]
    assert created["ballot"]["in_electorate"] is False
    assert created["turnout"] == {"electorate": 0, "voted": 0}
    url = f"{PROPOSALS}{created['id']}/"

    response = manager.patch(url, {"title": "A bigger bike shed", "text": "Two."}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "A bigger bike shed"
    assert response.json()["versions"][0]["text"] == "Two."

    # Residents read the announced draft during its notice period, and cannot change it.
    resident = api_client_for(side_a.resident_user)
    assert resident.get(url).json()["status"] == "draft"
    assert resident.patch(url, {"title": "Mine"}, format="json").status_code == 403
    assert any(row["id"] == created["id"] for row in resident.get(PROPOSALS).json()["results"])

    response = manager.post(f"{url}withdraw/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    response = manager.patch(url, {"title": "Again"}, format="json")
    assert response.status_code == 409
    assert "draft" in response.json()["detail"]
    assert manager.post(f"{url}withdraw/").status_code == 409


def test_only_managers_draft_and_bad_drafts_are_refused_on_their_field(side_a, side_b):
    resident = api_client_for(side_a.resident_user)
    response = resident.post(PROPOSALS, draft_body(side_a), format="json")
    assert response.status_code == 403

    # An officer, or a manager of another project, may not even name the project.
    for user in (side_a.officer, side_b.manager):
        response = api_client_for(user).post(PROPOSALS, draft_body(side_a), format="json")
        assert response.status_code == 400
        assert "project" in response.json()

    manager = api_client_for(side_a.manager)
    now = timezone.now()
    cases = [
        ({"closes_at": (now + dt.timedelta(hours=1)).isoformat()}, "closes_at"),
        ({"opens_at": "2030-01-01T10:00"}, "opens_at"),  # no offset: refused, not guessed
        ({"options": ["A", "B"]}, "options"),  # a yes/no vote has no options
        (
            {"decision_class": DecisionClassFactory(project=side_a.other_project).pk},
            "decision_class",
        ),
        (
            {"decision_class": DecisionClassFactory(project=side_a.project, min_notice_days=14).pk},
            "opens_at",
        ),
        ({"title": ""}, "title"),
    ]
    before = Proposal.objects.count()
    for changes, field in cases:
        response = manager.post(PROPOSALS, draft_body(side_a, **changes), format="json")
        assert response.status_code == 400, (changes, response.json())
        assert field in response.json(), (changes, response.json())
    assert Proposal.objects.count() == before

    approval = DecisionClassFactory(project=side_a.project, method=VotingMethod.APPROVAL)
    response = manager.post(
        PROPOSALS,
        draft_body(side_a, decision_class=approval.pk, options=["Red", "Red"]),
        format="json",
    )
    assert response.status_code == 400
    assert "options" in response.json()


def test_the_list_filters_by_project_status_meeting_and_method(side_a):
    meeting = Meeting.objects.create(
        project=side_a.project,
        kind=MeetingKind.GENERAL_ASSEMBLY,
        title="Spring assembly",
        start=timezone.now() + dt.timedelta(days=2),
        place="Common room",
    )
    yes_no = open_proposal(project=side_a.project, meeting=meeting)
    ranked = open_proposal(
        project=side_a.project, method=VotingMethod.RANKED, options=("A", "B", "C")
    )
    closed = open_proposal(project=side_a.project, hours=1)
    close(closed)
    client = api_client_for(side_a.resident_user)

    def ids(query: str) -> set[int]:
        response = client.get(f"{PROPOSALS}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"project={side_a.project.pk}") == {yes_no.pk, ranked.pk, closed.pk}
    assert ids("status=closed") == {closed.pk}
    assert ids(f"meeting={meeting.pk}") == {yes_no.pk}
    assert ids("method=ranked") == {ranked.pk}
    assert ids("page_size=1") <= {yes_no.pk, ranked.pk, closed.pk}
    row = next(r for r in client.get(PROPOSALS).json()["results"] if r["id"] == closed.pk)
    assert row["decision"] == closed.decision.pk and row["outcome_text"] == "No votes"
    assert client.get(f"{PROPOSALS}?method=plurality").status_code == 400
    assert client.get(f"{PROPOSALS}?project=x").status_code == 400


# --- Voting, one method after the other ----------------------------------------------------------


def test_yes_no_vote_results_hidden_until_the_close_then_who_voted_what(side_a):
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(project=side_a.project, quorum_numerator=1, quorum_denominator=2)

    response = vote(users[0], proposal, "no")
    assert response.status_code == 201
    assert response.json() == {
        "proposal": proposal.pk,
        "receipt": None,
        "changed": False,
        "via_proxy": False,
        "on_paper": False,
    }
    response = vote(users[0], proposal, "yes")  # an open ballot changes until the close
    assert response.status_code == 201 and response.json()["changed"] is True
    assert vote(users[1], proposal, "yes").status_code == 201
    assert vote(users[2], proposal, "abstain").status_code == 201

    detail = api_client_for(users[0]).get(f"{PROPOSALS}{proposal.pk}/").json()
    assert detail["ballot"]["in_electorate"] is True
    assert detail["ballot"]["voted"] is True
    assert detail["ballot"]["choice"] == "yes"
    assert detail["turnout"] == {"electorate": 5, "voted": 3}  # the side's two households too
    assert detail["rules"]["method"] == "yes_no" and detail["rules"]["quorum"] == "1/2"

    response = results(users[0], proposal)
    assert response.status_code == 409
    assert response.json()["detail"] == "The results are hidden until the vote closes."

    close(proposal)
    assert vote(users[1], proposal, "no").status_code == 409
    response = results(side_a.resident_user, proposal)
    assert response.status_code == 200
    body = response.json()
    assert body["final"] is True and body["status"] == "closed"
    assert body["tally"]["counts"] == {"yes": "2", "no": "0", "abstain": "1"}
    assert body["decision"]["passed"] is True
    assert body["decision"]["outcome_text"] == "Passed"
    assert body["receipts"] == []
    by_unit = {row["unit"]: row for row in body["ballots"]}
    assert {unit: row["choice"] for unit, row in by_unit.items()} == {
        user.resident.household.unit_label: choice
        for user, choice in zip(users, ["yes", "yes", "abstain"], strict=True)
    }


def test_approval_vote_needs_known_options_and_at_least_the_minimum(side_a):
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(
        project=side_a.project, method=VotingMethod.APPROVAL, options=("Red", "Green", "Blue")
    )
    for choice, message in [
        ([], "Approve at least 1 option(s)."),
        (["Purple"], "Not an option of this vote: Purple."),
        (["Red", "Red"], None),
        ("Red", None),
        ([{"a": 1}], None),
    ]:
        response = vote(users[0], proposal, choice)
        assert response.status_code == 400, (choice, response.json())
        assert list(response.json()) == ["choice"]
        if message:
            assert response.json()["choice"] == [message]
    assert not Participation.objects.filter(proposal=proposal).exists()

    for user, choice in zip(users, [["Red", "Green"], ["Green"], ["Blue", "Green"]], strict=True):
        assert vote(user, proposal, choice).status_code == 201
    close(proposal)
    body = results(users[0], proposal).json()
    assert body["tally"]["counts"] == {"Red": "1", "Green": "3", "Blue": "1"}
    assert body["tally"]["winner"] == "Green"
    assert body["decision"]["outcome_text"] == "Chosen: Green"


def test_ranked_choice_runs_off_over_three_rounds(side_a):
    ballots = [["A"]] * 5 + [["B", "C"]] * 4 + [["C"]] * 3 + [["D", "C"]] * 2
    users = voters_of(side_a.project, len(ballots))
    proposal = open_proposal(
        project=side_a.project, method=VotingMethod.RANKED, options=("A", "B", "C", "D")
    )

    for choice in (["A", "A"], {"A": 1, "C": 3}, {"A": 1, "B": 1}, ["E"]):
        response = vote(users[0], proposal, choice)
        assert response.status_code == 400, choice
        assert "choice" in response.json()
    assert vote(users[0], proposal, {"A": 1, "C": 3}).json()["choice"] == [
        "Ranks must follow on from 1 without gaps; missing 2."
    ]
    assert vote(users[0], proposal, ["B", "B"]).json()["choice"] == ["Each option at most once: B."]

    for user, ranking in zip(users, ballots, strict=True):
        assert vote(user, proposal, ranking).status_code == 201
    close(proposal)

    tally = results(users[0], proposal).json()["tally"]
    assert [row["eliminated"] for row in tally["rounds"]] == [["D"], ["B"], []]
    assert tally["rounds"][-1]["counts"] == {"A": "5", "C": "9"}
    assert tally["winner"] == "C"


def test_consent_round_with_an_objection_an_amendment_and_consent_again(side_a):
    consenting, objecting = voters_of(side_a.project, 2)
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    manager = api_client_for(side_a.manager)
    url = f"{PROPOSALS}{proposal.pk}/"

    # Clarifying questions first; positions are for the consent round.
    response = api_client_for(objecting).post(
        f"{url}round-entries/", {"text": "Who pays for it?"}, format="json"
    )
    assert response.status_code == 201
    question = response.json()
    assert question["phase"] == "questions"
    assert question["by"] == objecting.resident.household.unit_label  # the household votes
    assert vote(consenting, proposal, "consent").status_code == 409
    assert api_client_for(objecting).post(f"{url}round-entries/", {"text": ""}).status_code == 400
    unknown = manager.post(f"{url}round-entries/0/answer/", {"answer": "?"}, format="json")
    assert unknown.status_code == 404
    assert set(unknown.json()) == {"detail"}  # said in JSON, as every other error
    response = manager.post(
        f"{url}round-entries/{question['id']}/answer/", {"answer": "The reserve."}, format="json"
    )
    assert response.status_code == 200 and response.json()["answer"] == "The reserve."
    assert api_client_for(objecting).post(f"{url}advance-phase/").status_code == 403
    assert manager.post(f"{url}advance-phase/").json()["consent_phase"] == "reactions"
    assert manager.post(f"{url}advance-phase/").json()["consent_phase"] == "consent"
    assert manager.post(f"{url}advance-phase/").status_code == 409

    assert vote(consenting, proposal, "consent").status_code == 201
    response = vote(objecting, proposal, "object")
    assert response.status_code == 400 and "reason" in response.json()
    assert vote(objecting, proposal, "object", reason="Too costly.").status_code == 201

    detail = manager.get(url).json()
    assert [(o["reason"], o["stands"]) for o in detail["objections"]] == [("Too costly.", True)]
    objection_id = detail["objections"][0]["id"]
    assert [e["text"] for e in detail["round_entries"]] == ["Who pays for it?"]

    # An amendment must address objections that stand.
    response = manager.post(f"{url}amend/", {"text": "Cheaper.", "addresses": []}, format="json")
    assert response.status_code == 400 and "addresses" in response.json()
    response = manager.post(
        f"{url}amend/",
        {"text": "A smaller one.", "note": "Halved.", "addresses": [objection_id]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["version"] == 2

    detail = api_client_for(objecting).get(url).json()
    assert detail["version"] == 2 and detail["text"] == "A smaller one."
    assert [r["id"] for r in detail["ballot"]["reasked"]] == [objection_id]
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    # Only objectors are asked again.
    assert vote(consenting, proposal, "stand_aside").status_code == 409
    response = vote(objecting, proposal, "consent")
    assert response.status_code == 201 and response.json()["changed"] is True

    assert api_client_for(objecting).post(f"{url}close-round/").status_code == 403
    response = manager.post(f"{url}close-round/")
    assert response.status_code == 200
    decision = response.json()
    assert decision["passed"] is True and decision["outcome"] == "consented"
    assert decision["tally"]["resolved_objections"] == ["Too costly."]
    assert manager.post(f"{url}close-round/").status_code == 409
    body = results(consenting, proposal).json()
    assert {row["choice"] for row in body["ballots"]} == {"consent"}


def test_only_a_consent_round_closes_early(side_a):
    proposal = open_proposal(project=side_a.project)
    response = api_client_for(side_a.manager).post(f"{PROPOSALS}{proposal.pk}/close-round/")
    assert response.status_code == 409
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OPEN


# --- Secrecy ------------------------------------------------------------------------------------


def test_a_secret_ballot_gives_receipts_and_never_shows_a_voter(side_a):
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(project=side_a.project, secret=True)

    receipts = {}
    for user, choice in zip(users, ["yes", "no", "yes"], strict=True):
        response = vote(user, proposal, choice)
        assert response.status_code == 201
        receipts[response.json()["receipt"]] = choice
    assert all(receipts) and len(receipts) == 3
    response = vote(users[0], proposal, "no")
    assert response.status_code == 409  # cast once

    detail = api_client_for(users[0]).get(f"{PROPOSALS}{proposal.pk}/").json()
    assert detail["secret"] is True
    assert detail["ballot"]["voted"] is True and detail["ballot"]["choice"] is None
    assert detail["turnout"] == {"electorate": 5, "voted": 3}
    assert results(users[0], proposal).status_code == 409

    close(proposal)
    response = results(side_a.manager, proposal)
    assert response.status_code == 200
    body = response.json()
    assert body["ballots"] == []
    assert {row["receipt"]: row["choice"] for row in body["receipts"]} == receipts
    assert all(set(row) == {"receipt", "choice"} for row in body["receipts"])
    # Nothing in the answer leads to a voter: no name, no unit, no account.
    text = response.content.decode()
    for user in users:
        for trace in (user.resident.full_name, user.resident.household.unit_label, user.email):
            assert trace not in text
    assert '"voter' not in text and '"cast_by' not in text
    assert body["tally"]["counts"] == {"yes": "2", "no": "1", "abstain": "0"}


def test_a_live_count_shows_while_an_open_ballot_runs_when_allowed(side_a):
    users = voters_of(side_a.project, 2)
    live = open_proposal(project=side_a.project, show_live_count=True)
    for user, choice in zip(users, ["yes", "no"], strict=True):
        vote(user, live, choice)

    response = results(users[0], live)
    assert response.status_code == 200
    body = response.json()
    assert body["final"] is False and body["decision"] is None
    assert body["tally"]["counts"] == {"yes": "1", "no": "1", "abstain": "0"}
    assert body["ballots"] == [] and body["receipts"] == []  # who voted what waits for the close


def test_a_withdrawn_vote_has_no_results(side_a):
    proposal = open_proposal(project=side_a.project, show_live_count=True)
    manager = api_client_for(side_a.manager)
    assert manager.post(f"{PROPOSALS}{proposal.pk}/withdraw/").status_code == 200
    response = results(side_a.resident_user, proposal)
    assert response.status_code == 409
    assert "withdrawn" in response.json()["detail"]
    assert vote(side_a.resident_user, proposal, "yes").status_code == 409


# --- Refusals -----------------------------------------------------------------------------------


def test_who_is_not_in_the_electorate_is_refused_403(side_a):
    proposal = open_proposal(project=side_a.project)
    newcomer = make_resident_user(HouseholdFactory(project=side_a.project))  # after the opening
    child = make_resident_user(side_a.household)
    child.resident.birth_year = timezone.localdate().year - 10
    child.resident.save()
    for user in (side_a.manager, newcomer, child):
        response = vote(user, proposal, "yes")
        assert response.status_code == 403, user
        assert response.json()["detail"] == "You are not in this vote's electorate."
    assert not Participation.objects.filter(proposal=proposal).exists()


def test_no_ballot_before_the_open_or_after_the_close_409(side_a):
    now = timezone.now()
    draft = proposal_create(
        project=side_a.project,
        decision_class=DecisionClassFactory(project=side_a.project),
        title="Later",
        text="…",
        opens_at=now + dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=5),
        author=side_a.resident_user,  # its author sees the draft
    )
    response = vote(side_a.resident_user, draft, "yes")
    assert response.status_code == 409
    assert response.json()["detail"] == "This vote is not open yet."

    proposal = open_proposal(project=side_a.project)
    close(proposal)
    response = vote(side_a.resident_user, proposal, "yes")
    assert response.status_code == 409
    assert response.json()["detail"] == "This vote is closed."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "choice"),
        ({"choice": None}, "choice"),
        ({"choice": "maybe"}, "choice"),
        ({"choice": ["yes"]}, "choice"),
        ({"choice": {"yes": 1}}, "choice"),
        ({"choice": "yes", "on_behalf_of": 10**9}, "on_behalf_of"),
        ({"choice": "yes", "on_behalf_of": "me"}, "on_behalf_of"),
        ({"choice": "yes", "reason": "x" * 5000}, "reason"),
    ],
)
def test_bad_ballots_are_refused_400_on_their_field(side_a, body, field):
    proposal = open_proposal(project=side_a.project)
    response = api_client_for(side_a.resident_user).post(
        f"{PROPOSALS}{proposal.pk}/vote/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Participation.objects.exists()


def test_a_resident_of_another_project_is_not_a_voter_to_vote_for(side_a, side_b):
    proposal = open_proposal(project=side_a.project)
    response = vote(side_a.resident_user, proposal, "yes", on_behalf_of=side_b.resident.pk)
    assert response.status_code == 400 and "on_behalf_of" in response.json()
    # A neighbour whose proxy the user does not hold: 403.
    response = vote(
        side_a.resident_user, proposal, "yes", on_behalf_of=side_a.neighbour_resident.pk
    )
    assert response.status_code == 403
    assert not Participation.objects.exists()


def test_officers_and_other_projects_see_nothing(side_a, side_b):
    proposal = open_proposal(project=side_a.project)
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    closed = open_proposal(project=side_a.project)
    close(closed)
    grantor = voters_of(side_a.project, 1)[0]
    proxy = proxy_grant(grantor=grantor.resident, holder=side_a.resident, proposal=proposal)

    for user in (side_a.officer, side_b.resident_user, side_b.manager):
        client = api_client_for(user)
        assert client.get(PROPOSALS).json()["count"] == 0
        assert client.get(PROXIES).json()["count"] == 0
        assert client.get(DECISIONS).json()["count"] == 0
        for method, url in [
            ("get", f"{PROPOSALS}{proposal.pk}/"),
            ("get", f"{PROPOSALS}{closed.pk}/results/"),
            ("post", f"{PROPOSALS}{proposal.pk}/vote/"),
            ("post", f"{PROPOSALS}{proposal.pk}/withdraw/"),
            ("patch", f"{PROPOSALS}{proposal.pk}/"),
            ("get", f"{PROXIES}{proxy.pk}/"),
            ("delete", f"{PROXIES}{proxy.pk}/"),
            ("get", f"{DECISIONS}{closed.decision.pk}/"),
        ]:
            response = getattr(client, method)(url, {"choice": "yes"}, format="json")
            assert response.status_code == 404, (user, method, url)
        export = client.get(f"{DECISIONS}export/")
        assert export.status_code == 200
        assert len(list(csv.reader(io.StringIO(export.content.decode())))) == 1  # the header
    assert Participation.objects.filter(proposal=proposal).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OPEN


def test_residents_may_not_run_the_vote(side_a):
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    client = api_client_for(side_a.resident_user)
    url = f"{PROPOSALS}{proposal.pk}/"
    for action in ("withdraw/", "advance-phase/", "close-round/"):
        assert client.post(f"{url}{action}").status_code == 403, action
    response = client.post(f"{url}amend/", {"text": "x", "addresses": []}, format="json")
    assert response.status_code == 403
    entry = client.post(f"{url}round-entries/", {"text": "Why?"}, format="json").json()
    response = client.post(
        f"{url}round-entries/{entry['id']}/answer/", {"answer": "Because."}, format="json"
    )
    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OPEN


# --- Paper ballots ------------------------------------------------------------------------------


def test_the_chair_records_a_paper_ballot_once(side_a, side_b):
    chair = make_resident_user(HouseholdFactory(project=side_a.project))
    meeting = Meeting.objects.create(
        project=side_a.project,
        kind=MeetingKind.GENERAL_ASSEMBLY,
        title="Assembly",
        start=timezone.now(),
        place="Hall",
        chair=chair,
    )
    proposal = open_proposal(project=side_a.project, meeting=meeting)
    url = f"{PROPOSALS}{proposal.pk}/paper-ballot/"
    paper = {"resident": side_a.neighbour_resident.pk, "choice": "no"}

    assert api_client_for(side_a.resident_user).post(url, paper, format="json").status_code == 403
    response = api_client_for(chair).post(url, paper, format="json")
    assert response.status_code == 201
    assert response.json()["on_paper"] is True
    assert api_client_for(side_a.manager).post(url, paper, format="json").status_code == 409
    response = api_client_for(chair).post(
        url, {"resident": side_b.resident.pk, "choice": "no"}, format="json"
    )
    assert response.status_code == 400 and "resident" in response.json()
    response = api_client_for(chair).post(
        url, {"resident": side_a.resident.pk, "choice": "perhaps"}, format="json"
    )
    assert response.status_code == 400 and "choice" in response.json()
    assert Participation.objects.get(proposal=proposal).choice == "no"


# --- Proxies --------------------------------------------------------------------------------------


def test_a_proxy_is_granted_used_and_then_cannot_be_revoked(side_a):
    grantor = voters_of(side_a.project, 1)[0]
    holder = side_a.resident_user
    proposal = open_proposal(project=side_a.project)

    response = api_client_for(grantor).post(
        PROXIES, {"holder": holder.resident.pk, "proposal": proposal.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    proxy = response.json()
    assert proxy["grantor"] == grantor.resident.pk  # the user's own, by default
    assert proxy["active"] is True and proxy["used"] is False
    assert proxy["scope_title"] == proposal.title
    listed = api_client_for(holder).get(PROXIES).json()["results"]
    assert [row["id"] for row in listed] == [proxy["id"]]

    detail = api_client_for(holder).get(f"{PROPOSALS}{proposal.pk}/").json()
    assert detail["ballot"]["represented"] == [
        {
            "resident": grantor.resident.pk,
            "name": grantor.resident.full_name,
            "proxy": proxy["id"],
            "voted": False,
        }
    ]
    response = vote(holder, proposal, "no", on_behalf_of=grantor.resident.pk)
    assert response.status_code == 201
    assert response.json()["via_proxy"] is True
    detail = api_client_for(holder).get(f"{PROPOSALS}{proposal.pk}/").json()
    assert detail["ballot"]["represented"][0]["voted"] is True
    assert detail["ballot"]["voted"] is False  # the holder's own vote is still to cast
    response = vote(grantor, proposal, "yes")
    assert response.status_code == 409

    response = api_client_for(grantor).delete(f"{PROXIES}{proxy['id']}/")
    assert response.status_code == 409
    assert api_client_for(side_a.manager).post(f"{PROXIES}{proxy['id']}/revoke/").status_code == 409
    row = api_client_for(grantor).get(f"{PROXIES}{proxy['id']}/").json()
    assert row["active"] is True and row["used"] is True


def test_a_meeting_proxy_covers_its_proposals(side_a):
    meeting = Meeting.objects.create(
        project=side_a.project,
        kind=MeetingKind.GENERAL_ASSEMBLY,
        title="Autumn assembly",
        start=timezone.now() + dt.timedelta(hours=1),
        place="Hall",
    )
    grantor = voters_of(side_a.project, 1)[0]
    response = api_client_for(grantor).post(
        PROXIES, {"holder": side_a.resident.pk, "meeting": meeting.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["scope_title"] == "Autumn assembly"
    proposal = open_proposal(project=side_a.project, meeting=meeting)
    response = vote(side_a.resident_user, proposal, "yes", on_behalf_of=grantor.resident.pk)
    assert response.status_code == 201 and response.json()["via_proxy"] is True


def test_a_proxy_to_oneself_another_project_or_beyond_the_limit_is_refused_400(side_a, side_b):
    grantor, second = voters_of(side_a.project, 2)
    proposal = open_proposal(project=side_a.project)
    client = api_client_for(grantor)

    def grant(**body):
        return client.post(PROXIES, {"proposal": proposal.pk, **body}, format="json")

    response = grant(holder=grantor.resident.pk)
    assert response.status_code == 400
    assert response.json()["holder"] == ["A proxy cannot be given to oneself."]

    # A resident of another project cannot even be named.
    response = grant(holder=side_b.resident.pk)
    assert response.status_code == 400 and "holder" in response.json()

    response = client.post(PROXIES, {"holder": side_a.resident.pk}, format="json")
    assert response.status_code == 400 and "proposal" in response.json()

    assert grant(holder=side_a.resident.pk).status_code == 201
    response = api_client_for(second).post(
        PROXIES, {"holder": side_a.resident.pk, "proposal": proposal.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["holder"] == ["This person already carries 1 proxy/proxies, the limit."]
    assert Proxy.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_proxy_for_a_resident_of_two_projects_names_the_right_one(side_a):
    """A manager of both projects who records a proxy across them: the service's 400."""
    manager = side_a.manager
    role_grant(user=manager, kind=RoleKind.MANAGER, project=side_a.other_project)
    elsewhere = ResidentFactory(household=side_a.other_household)
    proposal = open_proposal(project=side_a.project)
    response = api_client_for(manager).post(
        PROXIES,
        {"grantor": side_a.neighbour_resident.pk, "holder": elsewhere.pk, "proposal": proposal.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["holder"] == ["The proxy holder must be a voter of the same project."]


def test_only_ones_own_proxy_is_given_and_the_grantor_or_a_manager_revokes(side_a):
    proposal = open_proposal(project=side_a.project)
    other = voters_of(side_a.project, 1)[0]

    # A resident may not give a neighbour's vote away.
    response = api_client_for(side_a.resident_user).post(
        PROXIES,
        {
            "grantor": side_a.neighbour_resident.pk,
            "holder": other.resident.pk,
            "proposal": proposal.pk,
        },
        format="json",
    )
    assert response.status_code == 403
    # A manager records the neighbour's (who has no account) for them.
    response = api_client_for(side_a.manager).post(
        PROXIES,
        {
            "grantor": side_a.neighbour_resident.pk,
            "holder": other.resident.pk,
            "proposal": proposal.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    recorded = response.json()["id"]
    # A manager with no home in the project gives nobody's vote by default.
    response = api_client_for(side_a.manager).post(
        PROXIES, {"holder": other.resident.pk, "proposal": proposal.pk}, format="json"
    )
    assert response.status_code == 400 and "grantor" in response.json()

    # The holder sees it but does not revoke it; the manager does.
    assert api_client_for(other).delete(f"{PROXIES}{recorded}/").status_code == 403
    assert api_client_for(side_a.manager).delete(f"{PROXIES}{recorded}/").status_code == 204
    row = api_client_for(other).get(f"{PROXIES}{recorded}/").json()
    assert row["active"] is False and row["revoked_at"]
    assert api_client_for(other).get(f"{PROXIES}?active=true").json()["count"] == 0

    # The grantor revokes their own, by POST too.
    response = api_client_for(side_a.resident_user).post(
        PROXIES, {"holder": other.resident.pk, "proposal": proposal.pk}, format="json"
    )
    assert response.status_code == 201
    own = response.json()["id"]
    response = api_client_for(side_a.resident_user).post(f"{PROXIES}{own}/revoke/")
    assert response.status_code == 200 and response.json()["active"] is False
    response = vote(other, proposal, "yes", on_behalf_of=side_a.resident.pk)
    assert response.status_code == 403


def test_no_proxy_once_the_vote_is_over(side_a):
    proposal = open_proposal(project=side_a.project)
    close(proposal)
    response = api_client_for(side_a.resident_user).post(
        PROXIES,
        {"holder": voters_of(side_a.project, 1)[0].resident.pk, "proposal": proposal.pk},
        format="json",
    )
    assert response.status_code == 409


# --- The decision register ------------------------------------------------------------------------


@pytest.fixture
def register(side_a):
    """Two decisions of side A: a passed yes/no vote and a rejected one."""
    users = voters_of(side_a.project, 2)
    passed = open_proposal(project=side_a.project, review_months=12, name="Bylaws")
    passed.title = "=Paint the hall"  # a title a spreadsheet would take for a formula
    passed.save(update_fields=["title"])
    for user in users:
        ballot_cast(proposal=passed, user=user, choice="yes")
    rejected = open_proposal(project=side_a.project, name="Everyday")
    Proposal.objects.filter(pk=rejected.pk).update(title="Move the bins", text="Closer.")
    for user in users:
        ballot_cast(proposal=rejected, user=user, choice="no")
    return close(passed), close(rejected)


def test_the_register_lists_searches_and_details_decisions(side_a, register):
    passed, rejected = register
    client = api_client_for(side_a.resident_user)

    rows = client.get(DECISIONS).json()["results"]
    assert {row["id"] for row in rows} == {passed.pk, rejected.pk}
    assert {row["id"] for row in client.get(f"{DECISIONS}?q=bins").json()["results"]} == {
        rejected.pk
    }
    assert {row["id"] for row in client.get(f"{DECISIONS}?q=bylaws").json()["results"]} == {
        passed.pk
    }
    assert {row["id"] for row in client.get(f"{DECISIONS}?passed=true").json()["results"]} == {
        passed.pk
    }
    query = f"{DECISIONS}?project={side_a.other_project.pk}"
    assert client.get(query).json()["count"] == 0

    detail = client.get(f"{DECISIONS}{passed.pk}/").json()
    assert detail["proposal_title"] == "=Paint the hall"
    assert detail["outcome_text"] == "Passed"
    assert detail["quorum"] == "0" and detail["threshold"] == "1/2"
    assert detail["turnout"] == "0.5000"
    assert detail["review_due"] == passed.review_due.isoformat()
    assert detail["tally"]["counts"]["yes"] == "2"
    assert detail["rules"]["decision_class"] == "Bylaws"


def test_the_register_exports_as_csv(side_a, register):
    passed, rejected = register
    response = api_client_for(side_a.manager).get(f"{DECISIONS}export/?project={side_a.project.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="decisions-alpha-a.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Decided at",
        "Proposal",
        "Decision class",
        "Voting method",
        "Electorate",
        "Quorum",
        "Pass threshold",
        "Ballot",
        "Voters",
        "Turnout",
        "Quorum met",
        "Passed",
        "Outcome",
        "Review due",
    ]
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {"'=Paint the hall", "Move the bins"}
    assert by_title["'=Paint the hall"][2:] == [
        "Bylaws",
        "yes_no",
        "household",
        "0",
        "1/2",
        "open",
        "4",
        "0.5000",
        "yes",
        "yes",
        "Passed",
        passed.review_due.isoformat(),
    ]
    assert by_title["Move the bins"][11:13] == ["no", "Rejected"]

    # A search narrows the export as it narrows the list; the labels speak the reader's language.
    response = api_client_for(side_a.resident_user).get(
        f"{DECISIONS}export/?q=bins", HTTP_ACCEPT_LANGUAGE="fr"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[1] for row in rows[1:]] == ["Move the bins"]
    assert rows[0][:2] == ["Décidée le", "Proposition"]
    assert response["Content-Disposition"] == 'attachment; filename="decisions-alpha-a.csv"'


def test_the_export_answers_a_csv_client_and_bad_filters_with_400(side_a, register):
    client = api_client_for(side_a.resident_user)
    response = client.get(f"{DECISIONS}export/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    response = client.get(f"{DECISIONS}export/?project=x", HTTP_ACCEPT="text/csv")
    assert response.status_code == 400


def test_secret_decisions_in_the_register_keep_their_secret(side_a):
    users = voters_of(side_a.project, 2)
    proposal = open_proposal(project=side_a.project, secret=True)
    for user in users:
        ballot_cast(proposal=proposal, user=user, choice="yes")
    decision = close(proposal)
    response = api_client_for(side_a.resident_user).get(f"{DECISIONS}{decision.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    for user in users:
        assert user.resident.household.unit_label not in text
        assert user.resident.full_name not in text
    assert SecretChoice.objects.filter(proposal=proposal).count() == 2
    assert not Objection.objects.exists()


def test_a_resident_lists_who_may_hold_their_proxy(side_a, side_b):
    resident = api_client_for(side_a.resident_user)
    response = resident.get(f"/api/v1/proxies/holders/?project={side_a.project.pk}")
    assert response.status_code == 200
    names = {row["name"] for row in response.json()}
    assert str(side_a.neighbour_resident) in names
    assert str(side_a.resident) not in names  # not oneself
    assert resident.get(f"/api/v1/proxies/holders/?project={side_b.project.pk}").status_code == 404
    assert resident.get("/api/v1/proxies/holders/?project=x").status_code == 400
    officer = api_client_for(side_a.officer)
    assert officer.get(f"/api/v1/proxies/holders/?project={side_a.project.pk}").status_code == 404
