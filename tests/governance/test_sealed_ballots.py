"""A secret ballot survives a database dump: no channel of the database links a voter to a choice.

Twelve voters cast twelve different rankings in a known order, each in its own committed
transaction (``transaction=True``), on real PostgreSQL. Then every channel a dump or a look at
the live database offers is tried: every column of every table, the transaction ids (``xmin``),
the physical order (``ctid``), the keys, timestamps and sequences; during the vote and after
the close. Twelve distinct choices make a chance match of an order with the casting order a
1 in 12! (≈ 2·10⁻⁹) event.
"""

from __future__ import annotations

import importlib
import itertools
import json
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from governance import sealing
from governance.models import (
    Electorate,
    Participation,
    Proposal,
    ProposalStatus,
    SealedBallot,
    SecretChoice,
    VotingMethod,
)
from governance.selectors.proposals import proposal_receipts, proposal_results
from governance.services.ballots import ballot_cast
from governance.services.proposals import proposal_close, proposal_withdraw
from governance.tasks import proposals_close_due_task
from tests.factories import HouseholdFactory, ProjectFactory, make_resident_user
from tests.governance.factories import open_proposal

pytestmark = pytest.mark.django_db(transaction=True)

OPTIONS = ("Garden", "Sauna", "Bikes", "Roof")
# Twelve different full rankings, none of them the options' own order (which the proposal shows).
RANKINGS = [list(p) for p in itertools.permutations(OPTIONS)][1::2]
PLAIN_TABLES_OF_A_CAST = {"governance_participation", "governance_sealedballot"}


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return sorted(row[0] for row in cursor.fetchall())


def _rows(sql: str, params: tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The table names come from pg_tables, not from any input.
def _dump() -> dict[str, list[str]]:
    """Every row of every table as text, as a dump would hold it (bytea as hex)."""
    return {
        table: [r[0] for r in _rows(f'SELECT t::text FROM "{table}" t')]  # noqa: S608
        for table in _tables()
    }


def _rows_written_by(xids: set[str]) -> dict[str, int]:
    """How many rows of each table the transactions ``xids`` wrote and that are still there."""
    written = {}
    for table in _tables():
        (count,) = _rows(
            f'SELECT count(*) FROM "{table}" WHERE xmin::text = ANY(%s)',  # noqa: S608
            (sorted(xids),),
        )[0]
        if count:
            written[table] = count
    return written


def _columns(table: str) -> list[tuple[str, str, str | None, str]]:
    return _rows(
        "SELECT column_name, data_type, column_default, is_identity "
        "FROM information_schema.columns WHERE table_name = %s",
        (table,),
    )


def _assert_no_order_no_time_no_sequence(table: str) -> None:
    for name, data_type, default, identity in _columns(table):
        assert "time" not in data_type and data_type != "date", name
        assert default is None and identity == "NO", name  # no serial, no identity, no now()


def _assert_random_keys(keys: list[uuid.UUID], users: list) -> None:
    """Every key is a random UUID (version 4) and none is made from a voter: not the voter's or
    their participation's id as a number, nor a name-based UUID of either."""
    voter_ids = {str(i) for i in Participation.objects.values_list("voter_id", flat=True)}
    voter_ids |= {str(i) for i in Participation.objects.values_list("pk", flat=True)}
    voter_ids |= {str(user.pk) for user in users}
    made_from_voters = {uuid.UUID(int=int(i)) for i in voter_ids} | {
        make(namespace, name)
        for make in (uuid.uuid3, uuid.uuid5)
        for namespace in (uuid.NAMESPACE_DNS, uuid.NAMESPACE_OID, uuid.NAMESPACE_URL)
        for name in voter_ids
    }
    assert {key.version for key in keys} == {4}
    assert not set(keys) & made_from_voters
    assert len(set(keys)) == len(keys)


def _cast_in_order(proposal: Proposal, users: list) -> list[str]:
    """Each ballot in its own transaction, committed before the next: the order is known."""
    return [
        ballot_cast(proposal=proposal, user=user, choice=ranking).receipt
        for user, ranking in zip(users, RANKINGS, strict=True)
    ]


def _secret_ranked_vote() -> tuple[Proposal, list]:
    project = ProjectFactory()
    users = [make_resident_user(HouseholdFactory(project=project)) for _ in RANKINGS]
    proposal = open_proposal(
        project=project,
        secret=True,
        method=VotingMethod.RANKED,
        electorate=Electorate.ADULT,
        options=OPTIONS,
    )
    return proposal, users


def test_no_channel_of_the_database_links_a_voter_to_a_secret_choice():
    proposal, users = _secret_ranked_vote()
    receipts = _cast_in_order(proposal, users)
    participations = list(Participation.objects.order_by("cast_at", "pk"))
    assert [p.voter.resident.user for p in participations] == users
    voter_xids = {x for (x,) in _rows("SELECT xmin::text FROM governance_participation")}
    assert len(voter_xids) == len(users)  # one committed transaction per voter

    # (a) During the vote. Nothing in clear anywhere: not a choice, not a receipt code.
    dump = _dump()
    for table, rows in dump.items():
        for row in rows:
            for receipt, ranking in zip(receipts, RANKINGS, strict=True):
                assert receipt not in row, table
                assert json.dumps(ranking) not in row, table
    assert set(Participation.objects.values_list("choice", flat=True)) == {None}
    # The voters' transactions wrote a participation and a sealed ballot each, nothing else:
    # no row that outlives the close shares a voter's xmin, except that voter's participation.
    assert _rows_written_by(voter_xids) == dict.fromkeys(PLAIN_TABLES_OF_A_CAST, len(users))
    # Nothing that will be published exists yet, so no order of it can follow the casting.
    assert not SecretChoice.objects.exists()
    # The sealed ballots follow the casting on disk and share the voters' xmin: so they hold
    # only a key, the proposal and a ciphertext of one length, all gone at the close.
    assert {c[0] for c in _columns("governance_sealedballot")} == {"id", "proposal_id", "sealed"}
    _assert_no_order_no_time_no_sequence("governance_sealedballot")
    sealed = [bytes(s) for s in SealedBallot.objects.values_list("sealed", flat=True)]
    _assert_random_keys(list(SealedBallot.objects.values_list("pk", flat=True)), users)
    assert len({len(s) for s in sealed}) == 1

    # The close, as the beat runs it: the Celery task, on a vote whose time is up.
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now())
    assert proposals_close_due_task.delay().get() == 1
    assert proposals_close_due_task.delay().get() == 0  # done once

    # (b) After the close. The sealed ballots are gone; the choices are published, all of them.
    assert not SealedBallot.objects.exists()
    rows = _rows("SELECT xmin::text FROM governance_secretchoice")
    published = {
        receipt: choice for receipt, choice in SecretChoice.objects.values_list("receipt", "choice")
    }
    assert published == dict(zip(receipts, RANKINGS, strict=True))
    # All written by the close's transaction, which is no voter's.
    close_xids = {xid for (xid,) in rows}
    assert len(close_xids) == 1 and not close_xids & voter_xids
    assert _rows_written_by(voter_xids) == {"governance_participation": len(users)}
    # Neither the order on disk nor the order of the keys is the order of the votes.
    cast_order = [json.dumps(r) for r in RANKINGS]
    by_place = [
        c for (c,) in _rows("SELECT choice::text FROM governance_secretchoice ORDER BY ctid")
    ]
    by_key = [c for (c,) in _rows("SELECT choice::text FROM governance_secretchoice ORDER BY id")]
    for order in (by_place, by_key):
        assert sorted(order) == sorted(cast_order)
        assert order not in (cast_order, cast_order[::-1])
    assert {row[0] for row in _columns("governance_secretchoice")} == {
        "id",
        "proposal_id",
        "choice",
        "weight_numerator",
        "weight_denominator",
        "receipt",
    }
    _assert_no_order_no_time_no_sequence("governance_secretchoice")
    _assert_random_keys(list(SecretChoice.objects.values_list("pk", flat=True)), users)

    # Each voter finds their receipt code with the choice they cast.
    listed = {c.receipt: c.choice for c in proposal_receipts(proposal=Proposal.objects.get())}
    assert listed[receipts[5]] == RANKINGS[5]


def test_a_sealed_ballot_opens_only_for_its_proposal_with_the_secret():
    ballot = sealing.Ballot(["Sauna", "Garden"], "ABCD-EFGH-JKLM", 1, 3)
    sealed = sealing.seal(secret="s" * 32, proposal_id=7, options=OPTIONS, ballot=ballot)
    assert sealing.unseal(secret="s" * 32, proposal_id=7, sealed=sealed) == ballot
    for secret, proposal_id, content in (
        ("t" * 32, 7, sealed),  # another secret
        ("s" * 32, 8, sealed),  # copied to another proposal
        ("s" * 32, 7, sealed[:-1] + bytes([sealed[-1] ^ 1])),  # tampered with
        ("s" * 32, 7, sealed[:5]),  # cut short
    ):
        with pytest.raises(sealing.SealBroken):
            sealing.unseal(secret=secret, proposal_id=proposal_id, sealed=content)
    # Same content, new nonce: two ballots alike do not look alike.
    again = sealing.seal(secret="s" * 32, proposal_id=7, options=OPTIONS, ballot=ballot)
    assert again != sealed


def test_every_ballot_of_a_vote_is_sealed_to_the_same_length():
    def length(choice, options=()):
        ballot = sealing.Ballot(choice, "ABCD-EFGH-JKLM", 1, 1)
        return len(sealing.seal(secret="s", proposal_id=1, options=options, ballot=ballot))

    assert length("yes") == length("no") == length("abstain")
    assert length(["Roof"], OPTIONS) == length(list(OPTIONS), OPTIONS) == length([], OPTIONS)
    assert length(["Sauna"], ("Sauna", "Säuna ünicode")) == length(
        ["Säuna ünicode", "Sauna"], ("Sauna", "Säuna ünicode")
    )


def test_a_changed_sealing_secret_stops_the_close_instead_of_miscounting():
    proposal, users = _secret_ranked_vote()
    ballot_cast(proposal=proposal, user=users[0], choice=RANKINGS[0])
    with override_settings(BALLOT_SEALING_KEY="another-secret"):
        with pytest.raises(sealing.SealBroken):
            proposal_close(proposal=proposal, now=proposal.closes_at)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert SealedBallot.objects.count() == 1 and not SecretChoice.objects.exists()
    assert proposal_close(proposal=proposal, now=proposal.closes_at).tally["ballot_count"] == 1


def test_a_secret_ballot_gives_no_live_count_even_if_one_was_asked_for():
    proposal, users = _secret_ranked_vote()
    ballot_cast(proposal=proposal, user=users[0], choice=RANKINGS[0])
    Proposal.objects.filter(pk=proposal.pk).update(show_live_count=True)
    proposal.refresh_from_db()
    assert proposal_results(proposal=proposal) is None
    assert not SecretChoice.objects.exists()


def test_a_withdrawn_secret_vote_is_never_opened():
    proposal, users = _secret_ranked_vote()
    ballot_cast(proposal=proposal, user=users[0], choice=RANKINGS[0])
    proposal_withdraw(proposal=proposal)
    assert not SealedBallot.objects.exists() and not SecretChoice.objects.exists()
    assert proposal_close(proposal=proposal, now=proposal.closes_at) is None


def test_the_migration_seals_the_choices_of_open_secret_votes_only():
    migration = importlib.import_module("governance.migrations.0005_sealed_ballots")
    proposal, _users = _secret_ranked_vote()
    closed, _others = _secret_ranked_vote()
    Proposal.objects.filter(pk=closed.pk).update(status=ProposalStatus.CLOSED)
    for vote, receipt in ((proposal, "AAAA-BBBB-CCCC"), (closed, "DDDD-EEEE-FFFF")):
        SecretChoice.objects.create(proposal=vote, choice=RANKINGS[3], receipt=receipt)

    migration.seal_open_secret_choices(apps, None)

    assert list(SecretChoice.objects.values_list("receipt", flat=True)) == ["DDDD-EEEE-FFFF"]
    assert SealedBallot.objects.get().proposal_id == proposal.pk
    migration.unseal_open_secret_ballots(apps, None)  # migrating back loses no ballot
    assert SecretChoice.objects.count() == 2 and not SealedBallot.objects.exists()
    migration.seal_open_secret_choices(apps, None)
    decision = proposal_close(proposal=proposal, now=proposal.closes_at)
    assert decision.tally["ballot_count"] == 1
    assert SecretChoice.objects.get(receipt="AAAA-BBBB-CCCC").choice == RANKINGS[3]
