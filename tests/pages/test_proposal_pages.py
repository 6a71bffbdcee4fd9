"""The voting pages as residents and managers see them: a project's votes, a proposal with its
ballot forms and consent round, the results, proxies, the decision register and the drafting
forms. Everything goes through the pages (POSTs as a browser sends them) and the real services."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.utils import formats, timezone, translation

from governance.models import (
    ConsentPhase,
    Decision,
    Electorate,
    Objection,
    Participation,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Proxy,
    RoundEntry,
    SecretChoice,
    VotingMethod,
)
from governance.services.ballots import ballot_cast, round_entry_add
from governance.services.proposals import (
    consent_phase_advance,
    proposal_amend,
    proposal_close,
    proposal_create,
)
from governance.services.proxies import proxy_grant
from tests.factories import HouseholdFactory, make_resident_user
from tests.governance.factories import DecisionClassFactory, MeetingFactory, open_proposal
from tests.pages.helpers import field_errors, html, shows

pytestmark = pytest.mark.django_db

OPTIONS = ("Garden", "Sauna", "Bikes")


# --- Helpers ----------------------------------------------------------------------------------


def login(client, user):
    client.force_login(user)
    return client


def voters_of(project, count: int) -> list:
    return [make_resident_user(HouseholdFactory(project=project)) for _ in range(count)]


def close(proposal: Proposal) -> Decision:
    return proposal_close(proposal=proposal, now=proposal.closes_at)


def draft(project, **class_rules) -> Proposal:
    now = timezone.now()
    return proposal_create(
        project=project,
        decision_class=DecisionClassFactory(project=project, **class_rules),
        title="Solar panels on the roof",
        text="Twelve panels.",
        opens_at=now + dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=9),
    )


def vote(client, proposal, data: dict, prefix: str = "own"):
    return client.post(
        f"/proposals/{proposal.pk}/vote/", {f"{prefix}-{k}": v for k, v in data.items()}
    )


def messages_of(page: str) -> list[str]:
    return re.findall(r'<li class="message[^"]*">(.*?)</li>', page, re.S)


@pytest.fixture
def resident_client(client, side_a):
    return login(client, side_a.resident_user)


@pytest.fixture
def manager_client(client, side_a):
    return login(client, side_a.manager)


# --- Every page renders; others cannot see them ---------------------------------------------


def pages_of(side, proposal: Proposal, closed: Proposal) -> list[str]:
    project = side.project.pk
    return [
        f"/projects/{project}/proposals/",
        f"/proposals/{proposal.pk}/",
        f"/proposals/{proposal.pk}/results/",
        f"/proposals/{closed.pk}/",
        f"/proposals/{closed.pk}/results/",
        f"/projects/{project}/proxies/",
        f"/projects/{project}/decisions/",
        f"/projects/{project}/decisions.csv",
    ]


@pytest.fixture
def proposals(side_a):
    """An open yes/no vote and a closed one with its decision."""
    current = open_proposal(project=side_a.project)
    closed = open_proposal(project=side_a.project)
    ballot_cast(proposal=closed, user=side_a.resident_user, choice="yes")
    close(closed)
    closed.refresh_from_db()
    return current, closed


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_renders_for_a_resident_and_a_manager(request, side_a, proposals, language):
    current, closed = proposals
    browser = request.getfixturevalue("french_client" if language == "fr" else "client")
    pending = draft(side_a.project)
    for user in (side_a.resident_user, side_a.manager):
        browser.force_login(user)
        for url in pages_of(side_a, current, closed):
            response = browser.get(url)
            assert response.status_code == 200, (user, url)
            if not url.endswith(".csv"):
                assert f'<html lang="{language}">' in html(response), url
    for url in (
        f"/projects/{side_a.project.pk}/proposals/new/",
        f"/proposals/{pending.pk}/",
        f"/proposals/{pending.pk}/edit/",
    ):
        assert browser.get(url).status_code == 200, url


def test_officers_and_other_projects_get_404(client, side_a, side_b, proposals):
    current, closed = proposals
    pending = draft(side_a.project)
    proxy = proxy_grant(grantor=side_a.resident, holder=side_a.neighbour_resident, proposal=current)
    entry_proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    entry = round_entry_add(proposal=entry_proposal, user=side_a.resident_user, text="Why?")
    gets = [
        *pages_of(side_a, current, closed),
        f"/projects/{side_a.project.pk}/proposals/new/",
        f"/proposals/{pending.pk}/",
        f"/proposals/{pending.pk}/edit/",
    ]
    posts = [
        f"/proposals/{current.pk}/vote/",
        f"/proposals/{current.pk}/paper/",
        f"/proposals/{current.pk}/withdraw/",
        f"/proposals/{entry_proposal.pk}/round/",
        f"/proposals/{entry_proposal.pk}/round/next/",
        f"/proposals/{entry_proposal.pk}/round/close/",
        f"/proposals/{entry_proposal.pk}/amend/",
        f"/round-entries/{entry.pk}/answer/",
        f"/proxies/{proxy.pk}/revoke/",
    ]
    for outsider in (side_a.officer, side_b.resident_user, side_b.manager):
        client.force_login(outsider)
        for url in gets:
            assert client.get(url).status_code == 404, (outsider, url)
        for url in posts:
            assert client.post(url, {"own-choice": "yes"}).status_code == 404, (outsider, url)
    assert not Participation.objects.filter(proposal=current).exists()
    assert Proxy.objects.get(pk=proxy.pk).revoked_at is None
    current.refresh_from_db()
    assert current.status == ProposalStatus.OPEN


def test_residents_may_not_draft_edit_withdraw_or_run_the_round(resident_client, side_a):
    current = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    # A resident reads proposals, drafts included, but may not manage them.
    assert resident_client.get(f"/projects/{side_a.project.pk}/proposals/new/").status_code == 403
    for url in ("withdraw/", "round/next/", "round/close/", "amend/"):
        assert resident_client.post(f"/proposals/{current.pk}/{url}").status_code == 403, url
    current.refresh_from_db()
    assert current.status == ProposalStatus.OPEN
    assert current.consent_phase == ConsentPhase.QUESTIONS
    announced = draft(side_a.project)
    assert resident_client.get(f"/proposals/{announced.pk}/").status_code == 200
    assert resident_client.post(f"/proposals/{announced.pk}/withdraw/").status_code == 403


def test_the_project_page_and_the_home_link_to_the_votes(client, side_a):
    for user in (side_a.resident_user, side_a.manager):
        page = html(login(client, user).get(f"/projects/{side_a.project.pk}/"))
        assert f'href="/projects/{side_a.project.pk}/proposals/"' in page
        assert f'href="/projects/{side_a.project.pk}/decisions/"' in page
        assert f'href="/projects/{side_a.project.pk}/proxies/"' in page
    page = html(login(client, side_a.resident_user).get("/"))
    assert f'href="/projects/{side_a.project.pk}/proposals/"' in page
    # City officers see the project but not its votes: no link leads them to a 404.
    page = html(login(client, side_a.officer).get(f"/projects/{side_a.project.pk}/"))
    assert "/proposals/" not in page


# --- The proposal list ----------------------------------------------------------------------


def test_the_list_groups_votes_and_says_whether_i_voted(resident_client, side_a):
    voted = open_proposal(project=side_a.project)
    voted.title = "Voted already"
    voted.save()
    not_yet = open_proposal(project=side_a.project)
    not_yet.title = "Still to vote"
    not_yet.save()
    closed = open_proposal(project=side_a.project)
    closed.title = "Over and decided"
    closed.save()
    ballot_cast(proposal=voted, user=side_a.resident_user, choice="yes")
    ballot_cast(proposal=closed, user=side_a.resident_user, choice="yes")
    close(closed)
    announced = draft(side_a.project)

    page = html(resident_client.get(f"/projects/{side_a.project.pk}/proposals/"))
    open_part = page.split('id="open-heading"')[1].split('id="upcoming-heading"')[0]
    closed_part = page.split('id="closed-heading"')[1]
    assert re.search(
        r"Voted already</a></h3>\s*<div class=\"badges\">.*?You have voted", open_part, re.S
    )
    assert re.search(r"Still to vote</a></h3>.*?You have not voted yet", open_part, re.S)
    assert "Over and decided" in closed_part and "Passed" in closed_part
    upcoming_part = page.split('id="upcoming-heading"')[1].split('id="closed-heading"')[0]
    assert announced.title in upcoming_part  # announced during its notice period
    assert f'href="/projects/{side_a.project.pk}/proposals/new/"' not in page


def test_managers_see_drafts_as_upcoming_and_can_start_one(manager_client, side_a):
    pending = draft(side_a.project)
    page = html(manager_client.get(f"/projects/{side_a.project.pk}/proposals/"))
    upcoming = page.split('id="upcoming-heading"')[1].split('id="closed-heading"')[0]
    assert pending.title in upcoming
    assert f'href="/projects/{side_a.project.pk}/proposals/new/"' in page


# --- Yes / no ---------------------------------------------------------------------------------


def test_a_resident_votes_yes_and_may_change_an_open_ballot(resident_client, side_a):
    proposal = open_proposal(project=side_a.project)
    page = html(resident_client.get(f"/proposals/{proposal.pk}/"))
    assert "<fieldset" in page and "<legend" in page
    assert 'type="radio" name="own-choice" value="yes"' in page
    assert "0 of 2 have voted" in page

    response = vote(resident_client, proposal, {"choice": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/proposals/{proposal.pk}/"
    page = html(resident_client.get(response["Location"]))
    assert "Your vote is in." in messages_of(page)
    assert "Your vote is in: Yes." in page and "1 of 2 have voted" in page
    assert re.search(r'value="yes"[^>]*checked', page)  # the form starts from the ballot

    vote(resident_client, proposal, {"choice": "no"})
    assert Participation.objects.get(proposal=proposal).choice == "no"


def test_the_ballot_section_says_your_vote_once(resident_client, side_a):
    """The section heading names the ballot; its group of choices keeps the name for screen
    readers only, instead of showing "Your vote" and then "Your vote:"."""
    proposal = open_proposal(project=side_a.project)
    page = html(resident_client.get(f"/proposals/{proposal.pk}/"))
    assert '<h2 id="ballot-own">Your vote</h2>' in page
    assert '<legend class="visually-hidden">Your vote</legend>' in page
    assert "Your vote:" not in page
    assert len(re.findall(r">Your vote<", page)) == 2  # the heading, and the hidden legend


def test_a_yes_no_ballot_without_a_choice_is_refused_on_its_field(resident_client, side_a):
    proposal = open_proposal(project=side_a.project)
    response = vote(resident_client, proposal, {"choice": "maybe"})
    assert response.status_code == 200
    assert field_errors(html(response), "own-choice")
    assert not Participation.objects.exists()


def test_the_page_states_the_rules_in_words(resident_client, side_a):
    proposal = open_proposal(
        project=side_a.project,
        quorum_numerator=1,
        quorum_denominator=3,
        threshold_numerator=2,
        threshold_denominator=3,
        threshold_inclusive=True,
        review_months=12,
    )
    page = html(resident_client.get(f"/proposals/{proposal.pk}/"))
    assert "1/3 (33.3%) of the electorate must take part" in page
    assert "At least 2/3 (66.7%) of the yes and no votes" in page
    assert "One vote per household" in page
    assert "Open: who voted what is shown after the close" in page
    assert "reviewed after 12 months" in page
    # Closing time on the project's clock, in the language's format.
    closes = proposal.closes_at.astimezone(ZoneInfo(side_a.city.time_zone))
    with translation.override("en"):
        assert f"{formats.date_format(closes, 'DATETIME_FORMAT')} <span" in page
    assert "(Europe/Madrid)" in page


def test_after_the_close_the_page_shows_the_outcome_and_no_form(resident_client, side_a):
    proposal = open_proposal(project=side_a.project)
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    close(proposal)
    page = html(resident_client.get(f"/proposals/{proposal.pk}/"))
    assert "Passed" in page and f'href="/proposals/{proposal.pk}/results/"' in page
    assert 'name="own-choice"' not in page
    response = vote(resident_client, proposal, {"choice": "no"})
    assert "This vote is closed." in messages_of(html(resident_client.get(response["Location"])))
    assert Participation.objects.get(proposal=proposal).choice == "yes"


# --- Approval ---------------------------------------------------------------------------------


def test_approval_ballot_with_checkboxes_and_its_limits(resident_client, side_a):
    proposal = open_proposal(project=side_a.project, method=VotingMethod.APPROVAL, options=OPTIONS)
    page = html(resident_client.get(f"/proposals/{proposal.pk}/"))
    assert page.count('type="checkbox" name="own-choice"') == 3
    assert "Tick at least 1 and at most 3." in page

    response = vote(resident_client, proposal, {})
    assert response.status_code == 200
    assert field_errors(html(response), "own-choice") == ["Approve at least 1 option(s)."]
    assert not Participation.objects.exists()

    response = resident_client.post(
        f"/proposals/{proposal.pk}/vote/", {"own-choice": ["Bikes", "Garden"]}
    )
    assert response.status_code == 302
    # Stored in the proposal's order of options.
    assert Participation.objects.get(proposal=proposal).choice == ["Garden", "Bikes"]


# --- Ranked choice --------------------------------------------------------------------------


def test_the_ranked_form_has_one_labelled_select_per_option(resident_client, side_a):
    proposal = open_proposal(project=side_a.project, method=VotingMethod.RANKED, options=OPTIONS)
    page = html(resident_client.get(f"/proposals/{proposal.pk}/"))
    form = page.split(f'action="/proposals/{proposal.pk}/vote/"')[1].split("</form>")[0]
    assert "<fieldset" in form and "<legend>Rank the options</legend>" in form
    for index, option in enumerate(OPTIONS):
        assert f'<label for="id_own-rank_{index}">{option}</label>' in form
        select = re.search(
            rf'<select name="own-rank_{index}" id="id_own-rank_{index}"[^>]*>(.*?)</select>',
            form,
            re.S,
        )
        assert select, option
        values = re.findall(r'<option value="([^"]*)"', select.group(1))
        assert values == ["", "1", "2", "3"]
    assert form.count("<select") == 3
    assert "draggable" not in page and "<script" not in form


def rank(client, proposal, ranks: dict[int, str]):
    return client.post(
        f"/proposals/{proposal.pk}/vote/",
        {f"own-rank_{index}": value for index, value in ranks.items()},
    )


def test_a_ranking_is_cast_through_the_selects(resident_client, side_a):
    proposal = open_proposal(project=side_a.project, method=VotingMethod.RANKED, options=OPTIONS)
    response = rank(resident_client, proposal, {0: "2", 1: "", 2: "1"})
    assert response.status_code == 302
    assert Participation.objects.get(proposal=proposal).choice == ["Bikes", "Garden"]
    page = html(resident_client.get(f"/proposals/{proposal.pk}/"))
    assert "1. Bikes · 2. Garden" in page
    assert re.search(r'name="own-rank_2"[^>]*>.*?<option value="1" selected>', page, re.S)


def test_duplicate_ranks_and_gaps_are_refused_on_the_ranking(resident_client, side_a):
    proposal = open_proposal(project=side_a.project, method=VotingMethod.RANKED, options=OPTIONS)

    response = rank(resident_client, proposal, {0: "1", 1: "1", 2: ""})
    page = html(response)
    assert response.status_code == 200
    assert field_errors(page, "own-choice") == ["Two options share a rank: 1."]
    assert re.search(r'<select name="own-rank_0"[^>]*aria-invalid="true"', page)
    assert re.search(r'<select name="own-rank_1"[^>]*aria-invalid="true"', page)
    assert not re.search(r'<select name="own-rank_2"[^>]*aria-invalid="true"', page)
    # What the voter chose stays chosen.
    assert re.search(r'name="own-rank_1"[^>]*>.*?<option value="1" selected>', page, re.S)

    page = html(rank(resident_client, proposal, {0: "1", 1: "3", 2: ""}))
    assert field_errors(page, "own-choice") == [
        "Ranks must follow on from 1 without gaps; missing 2."
    ]
    assert not Participation.objects.exists()


# --- Consent -------------------------------------------------------------------------------


def test_a_consent_round_from_questions_to_decision(client, side_a):
    objector = side_a.resident_user
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    resident = login(client, objector)
    url = f"/proposals/{proposal.pk}/"

    page = html(resident.get(url))
    assert "Positions are given in the consent round" in page
    response = resident.post(f"{url}round/", {"entry-text": "Which roof side?"})
    assert response.status_code == 302
    response = resident.post(f"{url}round/", {"entry-text": "  "})
    assert field_errors(html(response), "entry-text")
    entry = RoundEntry.objects.get(proposal=proposal)

    manager = login(client, side_a.manager)
    page = html(manager.get(url))
    assert f'action="/round-entries/{entry.pk}/answer/"' in page
    manager.post(f"/round-entries/{entry.pk}/answer/", {f"answer-{entry.pk}-answer": "South."})
    assert RoundEntry.objects.get(pk=entry.pk).answer == "South."
    manager.post(f"{url}round/next/")
    manager.post(f"{url}round/next/")
    proposal.refresh_from_db()
    assert proposal.consent_phase == ConsentPhase.CONSENT

    resident = login(client, objector)
    page = html(resident.get(url))
    assert "South." in page and 'name="own-reason"' in page
    response = vote(resident, proposal, {"choice": "object", "reason": ""})
    assert field_errors(html(response), "own-reason") == ["An objection needs its reason."]
    vote(resident, proposal, {"choice": "object", "reason": "The roof needs repair first."})
    objection = Objection.objects.get(proposal=proposal)
    page = html(resident.get(url))
    assert "The roof needs repair first." in page and "Your position is recorded: Object." in page

    manager = login(client, side_a.manager)
    response = manager.post(
        f"{url}amend/",
        {"amend-text": "Repair the roof, then panels.", "amend-note": "Repair first."},
    )
    assert field_errors(html(response), "amend-addresses")  # which objection it meets
    manager.post(
        f"{url}amend/",
        {
            "amend-text": "Repair the roof, then panels.",
            "amend-note": "Repair first.",
            "amend-addresses": [objection.pk],
        },
    )
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2

    resident = login(client, objector)
    page = html(resident.get(url))
    assert "The proposal was amended to meet your objection" in page
    assert "Version history" in page and "Repair first." in page
    vote(resident, proposal, {"choice": "consent"})

    manager = login(client, side_a.manager)
    response = manager.post(f"{url}round/close/", {"confirmed": "on"})
    assert response["Location"] == f"/proposals/{proposal.pk}/results/"
    page = html(manager.get(response["Location"]))
    assert "Consented" in page and "The roof needs repair first." in page


# --- Proxies in the ballot forms ---------------------------------------------------------------


def test_a_proxy_holder_gets_one_form_per_represented_voter(client, side_a):
    grantor = make_resident_user(side_a.neighbour)
    proposal = open_proposal(project=side_a.project, electorate=Electorate.ADULT)
    proxy_grant(grantor=grantor.resident, holder=side_a.resident, proposal=proposal)
    holder = login(client, side_a.resident_user)
    name = grantor.resident.full_name

    page = html(holder.get(f"/proposals/{proposal.pk}/"))
    assert shows(page, f"On behalf of {name}")
    assert f'name="on_behalf_of" value="{grantor.resident.pk}"' in page
    assert f'name="for-{grantor.resident.pk}-choice"' in page

    response = holder.post(
        f"/proposals/{proposal.pk}/vote/",
        {"on_behalf_of": grantor.resident.pk, f"for-{grantor.resident.pk}-choice": "no"},
    )
    assert response.status_code == 302
    held = Participation.objects.get(proposal=proposal, voter__resident=grantor.resident)
    assert held.choice == "no" and held.cast_by == side_a.resident_user and held.via_proxy
    assert not Participation.objects.filter(voter__resident=side_a.resident).exists()
    page = html(holder.get(f"/proposals/{proposal.pk}/"))
    assert shows(page, f"Your ballot on behalf of {name} is in.")
    assert shows(page, f"The ballot of {name} is in.")

    # The grantor sees who voted for them, and no form.
    page = html(login(client, grantor).get(f"/proposals/{proposal.pk}/"))
    assert shows(page, f"{side_a.resident.full_name} voted for you with your proxy.")
    assert 'name="own-choice"' not in page


def test_voting_for_someone_without_their_proxy_is_forbidden(resident_client, side_a):
    proposal = open_proposal(project=side_a.project, electorate=Electorate.ADULT)
    response = resident_client.post(
        f"/proposals/{proposal.pk}/vote/",
        {
            "on_behalf_of": side_a.neighbour_resident.pk,
            f"for-{side_a.neighbour_resident.pk}-choice": "no",
        },
    )
    assert response.status_code == 403
    assert not Participation.objects.exists()


def test_paper_ballots_for_the_chair_or_a_manager(client, side_a):
    meeting = MeetingFactory(project=side_a.project)
    proposal = open_proposal(project=side_a.project, meeting=meeting)
    page = html(login(client, side_a.resident_user).get(f"/proposals/{proposal.pk}/"))
    assert "Record a paper ballot" not in page
    assert client.post(f"/proposals/{proposal.pk}/paper/").status_code == 403

    manager = login(client, side_a.manager)
    page = html(manager.get(f"/proposals/{proposal.pk}/"))
    assert "Record a paper ballot" in page and 'name="paper-resident"' in page
    response = manager.post(f"/proposals/{proposal.pk}/paper/", {"paper-choice": "yes"})
    assert field_errors(html(response), "paper-resident")
    response = manager.post(
        f"/proposals/{proposal.pk}/paper/",
        {"paper-resident": side_a.neighbour_resident.pk, "paper-choice": "yes"},
    )
    assert response.status_code == 302
    ballot = Participation.objects.get(proposal=proposal)
    assert ballot.on_paper and ballot.voter.household == side_a.neighbour
    # Voted: no longer offered.
    page = html(manager.get(f"/proposals/{proposal.pk}/"))
    assert f'<option value="{side_a.neighbour_resident.pk}"' not in page


# --- Secret ballots ---------------------------------------------------------------------------


def test_a_secret_ballot_shows_its_receipt_once_and_cannot_change(resident_client, side_a):
    proposal = open_proposal(project=side_a.project, secret=True)
    response = vote(resident_client, proposal, {"choice": "yes"})
    # On its way from the cast to the page the code is in the voter's browser, not in their
    # session (a row beside their id): the database holds it sealed only.
    code = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
    assert not any(code.search(str(s.get_decoded())) for s in Session.objects.all())
    assert not SecretChoice.objects.exists()
    page = html(resident_client.get(response["Location"]))
    (receipt,) = re.findall(r'class="receipt-code">([A-Z0-9-]{14})<', page)
    assert "shown only this once" in page
    assert "You have voted. A secret ballot cannot be changed." in page
    assert 'name="own-choice"' not in page
    assert receipt not in html(resident_client.get(f"/proposals/{proposal.pk}/"))


def test_secret_results_list_receipts_and_no_voter_names(client, side_a):
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(project=side_a.project, secret=True)
    receipts = [
        ballot_cast(proposal=proposal, user=user, choice=choice).receipt
        for user, choice in zip(users, ["yes", "no", "yes"], strict=True)
    ]
    resident = login(client, users[1])
    page = html(resident.get(f"/proposals/{proposal.pk}/results/"))
    assert "The results are shown when the vote closes" in page
    assert not any(receipt in page for receipt in receipts)

    close(proposal)
    page = html(resident.get(f"/proposals/{proposal.pk}/results/"))
    assert all(receipt in page for receipt in receipts)
    for user in users:
        assert user.resident.first_name not in page and user.resident.last_name not in page
        assert user.resident.household.unit_label not in page
    assert "Who voted what" not in page

    typed = receipts[1].replace("-", "").lower()
    page = html(resident.get(f"/proposals/{proposal.pk}/results/", {"code": typed}))
    assert f"Code {receipts[1]} was counted as: No." in page
    page = html(resident.get(f"/proposals/{proposal.pk}/results/", {"code": "AAAA-BBBB-CCCC"}))
    assert "No ballot has the code AAAA-BBBB-CCCC" in page


# --- Results ------------------------------------------------------------------------------------


def test_results_are_hidden_until_the_close_unless_a_live_count_is_allowed(client, side_a):
    hidden = open_proposal(project=side_a.project)
    live = open_proposal(project=side_a.project, show_live_count=True)
    for proposal in (hidden, live):
        ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    resident = login(client, side_a.neighbour_resident.user or side_a.resident_user)

    page = html(resident.get(f"/proposals/{hidden.pk}/results/"))
    assert "The results are shown when the vote closes" in page and "<table" not in page
    assert f'href="/proposals/{hidden.pk}/results/"' not in html(
        resident.get(f"/proposals/{hidden.pk}/")
    )

    page = html(resident.get(f"/proposals/{live.pk}/results/"))
    assert "Live count: not final" in page
    assert re.search(
        r"<th scope=\"row\"[^>]*>Yes</th>\s*<td[^>]*>1</td>\s*<td[^>]*>100.0%</td>", page
    )
    assert "Who voted what" not in page  # not before the close


def test_results_show_chart_and_table_with_the_same_numbers(client, side_a):
    users = voters_of(side_a.project, 3)
    proposal = open_proposal(project=side_a.project, quorum_numerator=1, quorum_denominator=2)
    for user, choice in zip(users, ["yes", "yes", "no"], strict=True):
        ballot_cast(proposal=proposal, user=user, choice=choice)
    close(proposal)
    page = html(login(client, users[0]).get(f"/proposals/{proposal.pk}/results/"))
    chart = page.split('<figure class="chart"')[1].split("</figure>")[0]
    table = page.split("<table")[1].split("</table>")[0]
    for label, weight, percent in (
        ("Yes", "2", "66.7%"),
        ("No", "1", "33.3%"),
        ("Abstain", "0", "0.0%"),
    ):
        assert f"{weight} · {percent}" in chart
        assert re.search(
            rf">{label}(<| ).*?<td[^>]*>{weight}</td>\s*<td[^>]*>{percent}</td>", table, re.S
        )
    assert '<rect width="66.67"' in chart
    assert "Passed" in page
    assert "1/2 (50.0%)" in page and "2.5 of 5" in page  # quorum: half of 5 households
    # An open ballot after the close: who voted what.
    ballots = page.split("Who voted what")[1]
    for user in users:
        assert f"unit {user.resident.household.unit_label}" in ballots


def test_results_read_in_the_voters_language(french_client, side_a):
    users = voters_of(side_a.project, 3)
    partner = make_resident_user(side_a.household)  # splits the first household's vote in two
    proposal = open_proposal(project=side_a.project, electorate=Electorate.HOUSEHOLD_SPLIT)
    for user, choice in zip(
        [*users, side_a.resident_user], ["yes", "yes", "no", "no"], strict=True
    ):
        ballot_cast(proposal=proposal, user=user, choice=choice)
    assert partner.resident.household == side_a.household
    close(proposal)
    page = html(login(french_client, users[0]).get(f"/proposals/{proposal.pk}/results/"))
    assert '<html lang="fr">' in page
    # 2 yes against 1.5 no (a split household vote): numbers and shares with a decimal comma.
    assert "1,5" in page and "57,1\u00a0%" in page and "42,9\u00a0%" in page
    assert "57.1%" not in page


def test_a_household_secret_ballot_cast_by_a_partner(client, side_a):
    partner = make_resident_user(side_a.household)
    proposal = open_proposal(project=side_a.project, secret=True)
    ballot_cast(proposal=proposal, user=partner, choice="yes")
    page = html(login(client, side_a.resident_user).get(f"/proposals/{proposal.pk}/"))
    assert shows(page, f"{partner.get_full_name()} has cast your household's ballot.")
    assert 'name="own-choice"' not in page


def test_withdrawing_asks_for_a_second_step(manager_client, side_a):
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    page = html(manager_client.get(f"/proposals/{proposal.pk}/"))
    confirm = page.split(f'action="/proposals/{proposal.pk}/withdraw/"')[0].rsplit("<details", 1)
    assert len(confirm) == 2 and "<summary>" in confirm[1]


def test_closing_a_round_early_says_first_who_can_no_longer_take_part(client, side_a):
    voters = voters_of(side_a.project, 3)  # with the two households of side A: 5 voters
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    consent_phase_advance(proposal=proposal)
    consent_phase_advance(proposal=proposal)
    for user in voters[:2]:
        vote(login(client, user), proposal, {"choice": "consent"})
    manager = login(client, side_a.manager)
    url = f"/proposals/{proposal.pk}/round/close/"

    asked = manager.post(url)

    page = html(asked)
    assert asked.status_code == 200
    assert "Before you close the round:" in page
    assert "3 of the 5 voters have not given a position yet and will no longer be able to." in page
    closes = formats.date_format(
        timezone.localtime(proposal.closes_at, ZoneInfo(side_a.city.time_zone)), "DATETIME_FORMAT"
    )
    assert f"The round was to close on {closes}." in page
    assert '<input type="hidden" name="confirmed" value="on">' in page
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert not Decision.objects.filter(proposal=proposal).exists()

    closed = manager.post(url, {"confirmed": "on"})

    assert closed["Location"] == f"/proposals/{proposal.pk}/results/"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CLOSED
    assert Decision.objects.get(proposal=proposal).electorate_size == 5


def test_a_count_of_votes_cannot_be_closed_early_even_confirmed(manager_client, side_a):
    proposal = open_proposal(project=side_a.project)
    url = f"/proposals/{proposal.pk}/round/close/"

    for data in ({}, {"confirmed": "on"}):
        page = html(manager_client.post(url, data, follow=True))
        assert "Only a consent round can be closed before its time." in page
        assert "Before you close the round:" not in page
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


@pytest.mark.parametrize("who", ["resident", "officer", "other_manager"])
def test_only_the_projects_managers_may_close_a_round(client, side_a, side_b, who):
    user = {"resident": side_a.resident_user, "officer": side_a.officer}.get(who, side_b.manager)
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    login(client, user)

    statuses = {
        client.post(f"/proposals/{proposal.pk}/round/close/", data).status_code
        for data in ({}, {"confirmed": "on"})
    }

    assert statuses == {403 if who == "resident" else 404}
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_ranked_results_show_each_round(client, side_a):
    users = voters_of(side_a.project, 5)
    proposal = open_proposal(project=side_a.project, method=VotingMethod.RANKED, options=OPTIONS)
    rankings = [["Garden"], ["Garden", "Sauna"], ["Sauna", "Garden"], ["Bikes", "Sauna"], ["Sauna"]]
    for user, ranking in zip(users, rankings, strict=True):
        ballot_cast(proposal=proposal, user=user, choice=ranking)
    decision = close(proposal)
    page = html(login(client, users[0]).get(f"/proposals/{proposal.pk}/results/"))
    assert "Round by round" in page and "Round 1" in page and "Round 2" in page
    rows = page.split('class="rounds"')[1].split("</table>")[0]
    assert re.search(
        r"Bikes <span class=\"muted\">\(out after round 1\)</span></th>"
        r"\s*<td[^>]*>1</td>\s*<td[^>]*out[^>]*>—</td>",
        rows,
    )
    assert decision.tally["winner"] == "Sauna" and "Chosen: Sauna" in page


# --- Proxies page -------------------------------------------------------------------------------


def test_grant_and_revoke_a_proxy_through_the_page(resident_client, side_a):
    proposal = open_proposal(project=side_a.project)
    url = f"/projects/{side_a.project.pk}/proxies/"
    page = html(resident_client.get(url))
    assert f'<option value="{side_a.neighbour_resident.pk}">' in page
    assert f'<option value="{side_a.resident.pk}">' not in page  # not oneself
    assert f'value="proposal-{proposal.pk}"' in page

    response = resident_client.post(
        url, {"holder": side_a.neighbour_resident.pk, "scope": f"proposal-{proposal.pk}"}
    )
    assert response.status_code == 302
    proxy = Proxy.objects.get(grantor=side_a.resident)
    assert proxy.holder == side_a.neighbour_resident and proxy.proposal == proposal
    page = html(resident_client.get(url))
    assert f'action="/proxies/{proxy.pk}/revoke/"' in page

    response = resident_client.post(f"/proxies/{proxy.pk}/revoke/")
    assert response.status_code == 302
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None


def test_proxy_errors_show_on_the_field(client, side_a):
    proposal = open_proposal(project=side_a.project)
    third = make_resident_user(HouseholdFactory(project=side_a.project))
    url = f"/projects/{side_a.project.pk}/proxies/"
    scope = f"proposal-{proposal.pk}"
    resident = login(client, side_a.resident_user)

    page = html(resident.post(url, {"holder": side_a.resident.pk, "scope": scope}))
    assert field_errors(page, "holder")  # oneself: not a choice
    page = html(resident.post(url, {"holder": side_a.neighbour_resident.pk}))
    assert field_errors(page, "scope")

    # The limit (one proxy per holder): the neighbour already holds the third's.
    proxy_grant(grantor=third.resident, holder=side_a.neighbour_resident, proposal=proposal)
    page = html(resident.post(url, {"holder": side_a.neighbour_resident.pk, "scope": scope}))
    assert field_errors(page, "holder") == [
        "This person already carries 1 proxy/proxies, the limit."
    ]
    # A chain: the third gave their own vote away, so cannot hold another's.
    page = html(resident.post(url, {"holder": third.resident.pk, "scope": scope}))
    assert field_errors(page, "holder") == [
        "This person has given their own vote away; a proxy cannot be passed on."
    ]
    assert not Proxy.objects.filter(grantor=side_a.resident).exists()


def test_a_used_proxy_cannot_be_revoked_and_others_cannot_revoke(client, side_a):
    proposal = open_proposal(project=side_a.project)
    proxy = proxy_grant(
        grantor=side_a.resident, holder=side_a.neighbour_resident, proposal=proposal
    )
    holder = make_resident_user(side_a.neighbour)  # the neighbour's own account
    proxy.holder = holder.resident
    proxy.save()
    assert login(client, holder).post(f"/proxies/{proxy.pk}/revoke/").status_code == 403
    ballot_cast(proposal=proposal, user=holder, choice="yes", on_behalf_of=side_a.resident)
    resident = login(client, side_a.resident_user)
    response = resident.post(f"/proxies/{proxy.pk}/revoke/")
    page = html(resident.get(response["Location"]))
    assert "it can no longer be revoked" in " ".join(messages_of(page))
    assert Proxy.objects.get(pk=proxy.pk).revoked_at is None


# --- The decision register ----------------------------------------------------------------------


def decided(project, title: str, voter) -> Decision:
    proposal = open_proposal(project=project, review_months=6)
    proposal.title = title
    proposal.save()
    ballot_cast(proposal=proposal, user=voter, choice="yes")
    return close(proposal)


def test_the_register_searches_and_exports_the_same_rows(resident_client, side_a, side_b):
    decided(side_a.project, "Paint the stairwell", side_a.resident_user)
    decided(side_a.project, "Buy a cargo bike", side_a.resident_user)
    decided(side_b.project, "Another city's garden", side_b.resident_user)
    url = f"/projects/{side_a.project.pk}/decisions/"

    page = html(resident_client.get(url))
    assert "Paint the stairwell" in page and "Buy a cargo bike" in page
    assert "Another city" not in page
    assert "50.0%" in page  # one of the two households voted

    page = html(resident_client.get(url, {"q": "cargo"}))
    assert "Buy a cargo bike" in page and "Paint the stairwell" not in page
    assert f'href="/projects/{side_a.project.pk}/decisions.csv?q=cargo"' in page
    page = html(resident_client.get(url, {"q": "nothing like this"}))
    assert "No decision matches this search." in page

    response = resident_client.get(f"/projects/{side_a.project.pk}/decisions.csv", {"q": "cargo"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Decided at" and len(rows) == 2
    assert rows[1][1] == "Buy a cargo bike" and rows[1][12] == "Passed"
    all_rows = list(
        csv.reader(
            io.StringIO(
                resident_client.get(f"/projects/{side_a.project.pk}/decisions.csv").content.decode()
            )
        )
    )
    assert {row[1] for row in all_rows[1:]} == {"Paint the stairwell", "Buy a cargo bike"}


def test_the_csv_keeps_formulas_from_spreadsheets(resident_client, side_a):
    decided(side_a.project, '=HYPERLINK("http://x")', side_a.resident_user)
    response = resident_client.get(f"/projects/{side_a.project.pk}/decisions.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][1] == '\'=HYPERLINK("http://x")'


# --- Drafting ---------------------------------------------------------------------------------


def proposal_form(decision_class, **changes) -> dict:
    data = {
        "decision_class": decision_class.pk,
        "title": "New bike shed",
        "text": "Ten places.",
        "opens_at": "2031-05-01T10:00",
        "closes_at": "2031-05-08T20:00",
        "options": "",
        "min_approvals": "1",
        "max_approvals": "",
    }
    data.update(changes)
    return data


def test_a_manager_drafts_edits_and_withdraws_a_proposal(manager_client, side_a):
    decision_class = DecisionClassFactory(project=side_a.project, method=VotingMethod.RANKED)
    url = f"/projects/{side_a.project.pk}/proposals/new/"
    response = manager_client.post(
        url, proposal_form(decision_class, options="Oak\n\nPine\n  Birch ")
    )
    proposal = Proposal.objects.get(title="New bike shed")
    assert response["Location"] == f"/proposals/{proposal.pk}/"
    assert proposal.options == ["Oak", "Pine", "Birch"] and proposal.status == ProposalStatus.DRAFT
    madrid = ZoneInfo(side_a.city.time_zone)
    assert proposal.opens_at == dt.datetime(2031, 5, 1, 10, 0, tzinfo=madrid)
    assert proposal.author == side_a.manager

    page = html(manager_client.get(f"/proposals/{proposal.pk}/edit/"))
    assert 'value="2031-05-01T10:00"' in page and "Oak\nPine\nBirch" in page
    manager_client.post(
        f"/proposals/{proposal.pk}/edit/",
        proposal_form(decision_class, title="Bike shed", options="Oak\nPine"),
    )
    proposal.refresh_from_db()
    assert proposal.title == "Bike shed" and proposal.options == ["Oak", "Pine"]

    response = manager_client.post(f"/proposals/{proposal.pk}/withdraw/")
    assert response["Location"] == f"/projects/{side_a.project.pk}/proposals/"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    page = html(manager_client.get(f"/proposals/{proposal.pk}/results/"))
    assert "This proposal was withdrawn: there is no result." in page
    response = manager_client.get(f"/proposals/{proposal.pk}/edit/")
    assert response.status_code == 302  # only a draft is edited


def test_draft_errors_land_on_their_fields(manager_client, side_a):
    decision_class = DecisionClassFactory(project=side_a.project, min_notice_days=14)
    other = DecisionClassFactory(project=side_a.project, method=VotingMethod.APPROVAL)
    url = f"/projects/{side_a.project.pk}/proposals/new/"
    soon = (timezone.now() + dt.timedelta(days=1)).astimezone(ZoneInfo(side_a.city.time_zone))
    cases = [
        (proposal_form(decision_class, opens_at=f"{soon:%Y-%m-%dT%H:%M}"), "opens_at"),
        (proposal_form(decision_class, closes_at="2031-04-01T10:00"), "closes_at"),
        (proposal_form(decision_class, options="A\nB"), "options"),
        (proposal_form(other, options="A\nA"), "options"),
        (proposal_form(other, options="A\nB", max_approvals="5"), "max_approvals"),
        (proposal_form(decision_class, title=""), "title"),
    ]
    for data, field in cases:
        response = manager_client.post(url, data)
        assert response.status_code == 200, field
        assert field_errors(html(response), field), field
    assert not Proposal.objects.exists()


# --- The meeting page's include ---------------------------------------------------------------


def test_the_meeting_page_lists_its_proposals_with_their_outcome(client, side_a):
    meeting = MeetingFactory(project=side_a.project)
    current = open_proposal(project=side_a.project, meeting=meeting)
    decided_here = open_proposal(project=side_a.project, meeting=meeting)
    decided_here.title = "Decided at the meeting"
    decided_here.save()
    ballot_cast(proposal=decided_here, user=side_a.resident_user, choice="no")
    close(decided_here)
    page = html(login(client, side_a.resident_user).get(f"/meetings/{meeting.pk}/"))
    assert f'href="/proposals/{current.pk}/"' in page
    assert "Decided at the meeting" in page and "Rejected" in page


# --- Constant queries -------------------------------------------------------------------------
# Budgets include the three content-type lookups guardian makes until Django has cached them.


@pytest.mark.parametrize("rows", [3, 20])
def test_the_proposal_list_in_constant_queries(
    resident_client, side_a, rows, django_assert_max_num_queries
):
    for index in range(rows):
        proposal = open_proposal(project=side_a.project)
        if index % 2:
            ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
        if index % 3 == 0:
            close(proposal)
    with django_assert_max_num_queries(12):
        response = resident_client.get(f"/projects/{side_a.project.pk}/proposals/")
    assert html(response).count('class="card proposal-card"') == rows


@pytest.mark.parametrize("rows", [3, 20])
def test_the_proposal_page_in_constant_queries(client, side_a, rows, django_assert_max_num_queries):
    users = voters_of(side_a.project, rows)
    proposal = open_proposal(project=side_a.project, method=VotingMethod.CONSENT)
    for user in users:
        round_entry_add(proposal=proposal, user=user, text=f"Question of {user.pk}")
    consent_phase_advance(proposal=proposal)
    consent_phase_advance(proposal=proposal)
    for user in users:
        ballot_cast(proposal=proposal, user=user, choice="object", reason=f"Reason {user.pk}")
    standing = list(Objection.objects.filter(proposal=proposal).values_list("pk", flat=True))
    for number in range(rows):
        proposal_amend(proposal=proposal, text=f"Version {number}", note="", addresses=standing[:1])
    manager = login(client, side_a.manager)
    with django_assert_max_num_queries(16):
        response = manager.get(f"/proposals/{proposal.pk}/")
    page = html(response)
    assert page.count("<details>") == rows + 1 and page.count("Question of") == rows


@pytest.mark.parametrize("rows", [3, 20])
def test_the_register_in_constant_queries(
    resident_client, side_a, rows, django_assert_max_num_queries
):
    for number in range(rows):
        decided(side_a.project, f"Decision {number}", side_a.resident_user)
    with django_assert_max_num_queries(12):
        response = resident_client.get(f"/projects/{side_a.project.pk}/decisions/")
    assert html(response).count("<tr>") == rows + 1
    with django_assert_max_num_queries(12):
        response = resident_client.get(f"/projects/{side_a.project.pk}/decisions.csv")
    assert response.content.decode().count("\n") == rows + 1
