"""The tally functions: hand-worked counts for every voting method, and a few properties.

Pure functions, so no database and no cache: plain pytest.
"""

from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.tally import (
    ApprovalBallot,
    ConsentResponse,
    InvalidBallot,
    Objection,
    Outcome,
    RankedBallot,
    TieBreak,
    YesNoBallot,
    consent_outcome,
    objectors_to_reask,
    tally_approval,
    tally_instant_runoff,
    tally_yes_no,
    validate_approval,
    validate_ranking,
)
from tests.properties import examples

# Hypothesis writes no example database into the working tree.
PROPERTY = settings(database=None, max_examples=examples(200), deadline=None)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Replaces the suite-wide fixture that clears Redis: these tests touch no cache."""
    yield


def yes_no(*choices: str, weight: F = F(1)) -> list[YesNoBallot]:
    return [YesNoBallot(choice, weight) for choice in choices]


def simple_majority(ballots, *, electorate=F(10), quorum=F(0), **rules):
    return tally_yes_no(
        ballots, electorate_weight=electorate, quorum=quorum, threshold=F(1, 2), **rules
    )


# --- Yes / no --------------------------------------------------------------------------------


def test_simple_majority_passes_with_more_than_half():
    result = simple_majority(yes_no("yes", "yes", "yes", "no", "no"))

    assert (result.yes, result.no, result.abstain) == (3, 2, 0)
    assert result.yes_share == F(3, 5)
    assert result.passed is True
    assert result.outcome == Outcome.PASSED
    assert result.tie is False
    assert result.rule.code == "more_than"
    assert result.rule.threshold_inclusive is False


def test_simple_majority_fails_with_less_than_half():
    result = simple_majority(yes_no("yes", "yes", "no", "no", "no"))

    assert result.yes_share == F(2, 5)
    assert result.passed is False
    assert result.outcome == Outcome.REJECTED


def test_a_tie_does_not_pass():
    result = simple_majority(yes_no("yes", "yes", "no", "no", "abstain"))

    assert result.tie is True
    assert result.passed is False
    assert result.majority_reached is False
    assert result.outcome == Outcome.TIE


def test_a_tie_does_not_pass_even_when_the_threshold_would_be_reached():
    result = simple_majority(yes_no("yes", "no"), threshold_inclusive=True)

    assert result.yes_share == F(1, 2)
    assert result.tie is True
    assert result.passed is False


def two_thirds(ballots, **rules):
    return tally_yes_no(ballots, electorate_weight=F(40), quorum=F(0), threshold=F(2, 3), **rules)


def test_qualified_majority_of_two_thirds_passes_at_exactly_two_thirds():
    result = two_thirds(yes_no(*["yes"] * 20, *["no"] * 10))

    assert result.yes_share == F(2, 3)
    assert result.rule.threshold_inclusive is True  # default for any threshold but 1/2
    assert result.rule.code == "at_least"
    assert result.passed is True


def test_qualified_majority_fails_just_below_two_thirds():
    # The smallest step with whole votes: 19 yes to 10 no is 19/29 < 2/3.
    assert two_thirds(yes_no(*["yes"] * 19, *["no"] * 10)).passed is False
    # And with exact weights, 2/3 minus any amount at all fails.
    sliver = F(1, 10**12)
    result = two_thirds([YesNoBallot("yes", F(2)), YesNoBallot("no", 1 + sliver)])
    assert result.yes_share == 2 / (3 + sliver)
    assert result.yes_share < F(2, 3)
    assert result.passed is False
    assert result.outcome == Outcome.REJECTED


def test_an_exclusive_two_thirds_needs_more_than_two_thirds():
    result = two_thirds(yes_no(*["yes"] * 20, *["no"] * 10), threshold_inclusive=False)

    assert result.rule.code == "more_than"
    assert result.passed is False


def test_abstentions_are_left_out_of_the_threshold_but_count_for_quorum():
    # Electorate 10, quorum one half: 2 yes, 1 no, 3 abstain.
    ballots = yes_no("yes", "yes", "no", "abstain", "abstain", "abstain")

    result = simple_majority(ballots, quorum=F(1, 2))

    assert result.yes_share == F(2, 3)  # not 2/6: abstentions are not votes against
    assert result.turnout == F(6, 10)
    assert result.participation_weight == 6
    assert result.quorum_weight == 5
    assert result.quorum_met is True
    assert result.passed is True


def test_abstentions_can_be_left_out_of_the_quorum():
    ballots = yes_no("yes", "yes", "no", "abstain", "abstain", "abstain")

    result = simple_majority(ballots, quorum=F(1, 2), abstentions_count_for_quorum=False)

    assert result.turnout == F(6, 10)  # turnout still counts every ballot
    assert result.participation_weight == 3
    assert result.quorum_met is False
    assert result.majority_reached is True
    assert result.passed is False
    assert result.outcome == Outcome.NO_QUORUM


def test_quorum_is_met_at_exactly_its_share_and_missed_below():
    met = simple_majority(yes_no("yes", "yes", "yes", "no", "no"), quorum=F(1, 2))
    missed = simple_majority(yes_no("yes", "yes", "yes", "no"), quorum=F(1, 2))

    assert (met.quorum_met, met.passed) == (True, True)
    assert (missed.quorum_met, missed.passed) == (False, False)
    assert missed.outcome == Outcome.NO_QUORUM
    assert missed.yes_share == F(3, 4)  # counted in full all the same


def test_a_household_split_in_thirds_sums_exactly():
    third = F(1, 3)
    # Household A's three adults split yes, yes, no; household B votes no as one.
    ballots = [*yes_no("yes", "yes", "no", weight=third), YesNoBallot("no")]

    result = simple_majority(ballots, electorate=F(2), quorum=F(1))

    assert result.yes == F(2, 3)
    assert result.no == F(4, 3)
    assert result.total_weight == 2  # exactly; 3 * (1/3) in floats is not
    assert result.turnout == 1
    assert result.quorum_met is True
    assert result.passed is False
    # Three thirds of one household weigh exactly one household.
    assert simple_majority(yes_no("yes", "yes", "yes", weight=third)).yes == 1


def test_no_yes_or_no_votes_does_not_pass():
    result = simple_majority(yes_no("abstain", "abstain"))

    assert result.yes_share is None
    assert result.tie is False
    assert result.passed is False
    assert result.outcome == Outcome.NO_VOTES


def test_yes_no_refuses_an_unknown_choice_and_inexact_weights():
    with pytest.raises(InvalidBallot) as error:
        YesNoBallot("maybe")
    assert error.value.code == "unknown_choice"
    with pytest.raises(TypeError):
        YesNoBallot("yes", 0.5)
    with pytest.raises(ValueError, match="threshold"):
        tally_yes_no([], electorate_weight=F(1), quorum=F(0), threshold=F(3, 2))


# --- Approval ----------------------------------------------------------------------------------

OPTIONS = ("garden", "workshop", "sauna")


def approval(ballots, *, options=OPTIONS, quorum=F(0), **limits):
    return tally_approval(ballots, options, electorate_weight=F(6), quorum=quorum, **limits)


def test_approval_with_a_single_winner():
    ballots = [
        ApprovalBallot({"garden", "workshop"}),
        ApprovalBallot({"garden"}),
        ApprovalBallot({"workshop", "sauna"}),
        ApprovalBallot({"garden", "sauna"}),
    ]

    result = approval(ballots, quorum=F(1, 2))

    assert result.approvals == {"garden": 3, "workshop": 2, "sauna": 2}
    assert result.winners == ("garden",)
    assert result.winner == "garden"
    assert result.tie is False
    assert result.outcome == Outcome.ELECTED
    assert result.turnout == F(4, 6)
    assert result.quorum_met is True


def test_approval_tie_lists_every_option_with_the_top_score():
    third = F(1, 3)
    ballots = [
        ApprovalBallot(["garden"]),
        ApprovalBallot(["sauna", "garden"], weight=third),
        ApprovalBallot(["sauna"], weight=third),
        ApprovalBallot(["sauna"], weight=third),
    ]

    result = approval(ballots)

    assert result.approvals == {"garden": F(4, 3), "workshop": 0, "sauna": 1}
    assert result.winner == "garden"

    result = approval([*ballots, ApprovalBallot(["sauna"], weight=third)])

    assert result.approvals["sauna"] == result.approvals["garden"] == F(4, 3)
    assert result.tie is True
    assert result.winners == ("garden", "sauna")  # in the proposal's order
    assert result.winner is None
    assert result.outcome == Outcome.TIE


def test_approval_winner_needs_the_quorum():
    result = approval([ApprovalBallot(["sauna"])], quorum=F(1, 2))

    assert result.winners == ("sauna",)
    assert result.winner is None
    assert result.outcome == Outcome.NO_QUORUM


def test_approval_validation():
    assert validate_approval(["sauna", "garden"], OPTIONS) == {"sauna", "garden"}
    cases = [
        (["pool"], {}, "unknown_option", {"options": ["pool"]}),
        ([], {}, "too_few_approvals", {"count": 0, "min": 1}),
        (["garden", "garden"], {}, "duplicate", {"options": ["garden"]}),
        (["garden", "sauna", "workshop"], {"max_approvals": 2}, "too_many_approvals", None),
    ]
    for choice, limits, code, detail in cases:
        with pytest.raises(InvalidBallot) as error:
            validate_approval(choice, OPTIONS, **limits)
        assert error.value.code == code
        if detail is not None:
            assert error.value.detail == detail
    assert validate_approval([], OPTIONS, min_approvals=0) == frozenset()


def test_approval_tally_refuses_an_invalid_ballot():
    with pytest.raises(InvalidBallot) as error:
        approval([ApprovalBallot(["garden"]), ApprovalBallot(["pool"])])
    assert error.value.code == "unknown_option"
    with pytest.raises(InvalidBallot) as error:
        approval([ApprovalBallot(OPTIONS)], max_approvals=1)
    assert error.value.code == "too_many_approvals"


# --- Instant run-off ---------------------------------------------------------------------------


def ranked(*groups: tuple[int, str], weight: F = F(1)) -> list[RankedBallot]:
    """``(3, "AB")`` is three ballots ranking A first, then B."""
    return [RankedBallot(list(order), weight) for count, order in groups for _ in range(count)]


def runoff(ballots, options="ABCD", *, electorate=None, quorum=F(0)):
    electorate = electorate or sum((b.weight for b in ballots), F(0)) or F(1)
    return tally_instant_runoff(ballots, list(options), electorate_weight=electorate, quorum=quorum)


def table(result) -> list[tuple[dict, F, tuple]]:
    return [(r.counts, r.exhausted, r.eliminated) for r in result.rounds]


def test_instant_runoff_in_three_rounds():
    # 21 voters, 4 candidates; a majority is more than 21/2, so 11 votes.
    ballots = ranked((8, "AB"), (6, "BC"), (4, "CB"), (3, "DC"))

    result = runoff(ballots)

    assert table(result) == [
        # A leads on first preferences; D has the fewest and goes; D's voters go to C.
        ({"A": 8, "B": 6, "C": 4, "D": 3}, 0, ("D",)),
        # Nobody has 11; B now has the fewest and goes; B's voters go to C.
        ({"A": 8, "B": 6, "C": 7}, 0, ("B",)),
        # C has 13 of 21.
        ({"A": 8, "C": 13}, 0, ()),
    ]
    assert [r.continuing_weight for r in result.rounds] == [21, 21, 21]
    assert [r.tie_break for r in result.rounds] == [None, None, None]
    assert result.winner == "C"
    assert result.winners == ("C",)
    assert result.tie is False
    assert result.outcome == Outcome.ELECTED


def test_instant_runoff_majority_is_of_the_continuing_ballots():
    # C's three voters rank nobody else: their ballots are exhausted once C is out.
    ballots = ranked((5, "A"), (4, "BA"), (3, "C"))

    result = runoff(ballots, "ABC")

    assert table(result) == [
        ({"A": 5, "B": 4, "C": 3}, 0, ("C",)),
        ({"A": 5, "B": 4}, 3, ()),
    ]
    # 5 of 12 ballots, but 5 of the 9 that still count: more than half.
    assert result.rounds[-1].continuing_weight == 9
    assert result.winner == "A"


def test_instant_runoff_tie_for_last_place_is_broken_by_first_preferences():
    ballots = ranked((6, "A"), (5, "B"), (3, "C"), (2, "DC"))

    result = runoff(ballots)

    assert table(result) == [
        ({"A": 6, "B": 5, "C": 3, "D": 2}, 0, ("D",)),
        # B and C tie for last with 5; C had fewer first preferences (3 against 5) and goes.
        ({"A": 6, "B": 5, "C": 5}, 0, ("C",)),
        # All of C's ballots rank nobody left: 5 exhausted; A has 6 of the 11 that count.
        ({"A": 6, "B": 5}, 5, ()),
    ]
    assert result.rounds[1].tie_break == TieBreak.FIRST_PREFERENCES
    assert result.rounds[1].tie_break_round == 1
    assert result.winner == "A"


def test_instant_runoff_tie_equal_on_first_preferences_looks_at_the_next_round():
    ballots = ranked((8, "A"), (3, "X"), (3, "Y"), (1, "ZY"), (1, "Z"), (1, "EX"))

    result = runoff(ballots, "AXYZE")

    assert table(result) == [
        ({"A": 8, "X": 3, "Y": 3, "Z": 2, "E": 1}, 0, ("E",)),
        ({"A": 8, "X": 4, "Y": 3, "Z": 2}, 0, ("Z",)),
        # X and Y tie for last with 4; equal in round 1 (3 each), Y had fewer in round 2.
        ({"A": 8, "X": 4, "Y": 4}, 1, ("Y",)),
        ({"A": 8, "X": 4}, 5, ()),
    ]
    assert result.rounds[2].tie_break == TieBreak.EARLIER_ROUND
    assert result.rounds[2].tie_break_round == 2
    assert result.winner == "A"


def test_instant_runoff_options_still_tied_for_last_go_together():
    ballots = ranked((3, "A"), (2, "B"), (1, "CB"), (1, "DB"))

    result = runoff(ballots)

    assert table(result) == [
        # C and D tie with 1 and there is no earlier round: both go.
        ({"A": 3, "B": 2, "C": 1, "D": 1}, 0, ("C", "D")),
        ({"A": 3, "B": 4}, 0, ()),
    ]
    assert result.rounds[0].tie_break == TieBreak.ELIMINATED_TOGETHER
    assert result.winner == "B"


def test_instant_runoff_final_tie_is_reported_as_a_tie():
    ballots = ranked((2, "A"), (2, "B"), (1, "C"))

    result = runoff(ballots, "ABC")

    assert table(result) == [
        ({"A": 2, "B": 2, "C": 1}, 0, ("C",)),
        # 2 to 2 of 4: no majority; equal in round 1 too; eliminating both would leave nobody.
        ({"A": 2, "B": 2}, 1, ()),
    ]
    assert result.rounds[-1].tie_break == TieBreak.UNBROKEN
    assert result.tie is True
    assert result.winners == ("A", "B")
    assert result.winner is None
    assert result.outcome == Outcome.TIE


def test_instant_runoff_with_split_households_and_rank_mappings():
    third = F(1, 3)
    ballots = [
        RankedBallot({"A": 1, "B": 2}, third),
        RankedBallot({"B": 1}, third),
        RankedBallot({"C": 1, "B": 2}, third),
        RankedBallot(["A"]),
        RankedBallot(["B", "C"]),
        RankedBallot([]),  # a blank ballot: counts for the quorum, for nobody
    ]

    result = runoff(ballots, "ABC", electorate=F(4), quorum=F(3, 4))

    assert table(result) == [
        ({"A": F(4, 3), "B": F(4, 3), "C": F(1, 3)}, 0, ("C",)),
        ({"A": F(4, 3), "B": F(5, 3)}, 0, ()),
    ]
    assert result.blank_weight == 1
    assert result.participation_weight == 4
    assert result.quorum_met is True
    assert result.winner == "B"


def test_instant_runoff_winner_needs_the_quorum():
    result = runoff(ranked((2, "A"), (1, "B")), "AB", electorate=F(10), quorum=F(1, 2))

    assert result.winners == ("A",)
    assert result.winner is None
    assert result.outcome == Outcome.NO_QUORUM


def test_instant_runoff_without_any_ranking():
    result = runoff([RankedBallot([])], "AB")

    assert result.winners == ()
    assert result.outcome == Outcome.NO_VOTES
    assert len(result.rounds) == 1


def test_ranking_validation():
    assert validate_ranking(["C", "A"], list("ABC")) == ("C", "A")
    assert validate_ranking({"B": 2, "C": 3, "A": 1}, list("ABC")) == ("A", "B", "C")
    assert validate_ranking({"C": 1}, list("ABC")) == ("C",)
    cases = [
        (["A", "B", "A"], "duplicate", {"options": ["A"]}),
        (["A", "Z"], "unknown_option", {"options": ["Z"]}),
        ({"A": 1, "Z": 2}, "unknown_option", {"options": ["Z"]}),
        ({"A": 1, "C": 3}, "gap", {"missing_ranks": [2]}),
        ({"A": 2}, "gap", {"missing_ranks": [1]}),
        ({"A": 1, "B": 1}, "duplicate_rank", {"ranks": [1]}),
        ({"A": 0, "B": 1}, "invalid_rank", {"ranks": [0]}),
        ({"A": 1.0}, "invalid_rank", {"ranks": [1.0]}),
    ]
    for ranking, code, detail in cases:
        with pytest.raises(InvalidBallot) as error:
            validate_ranking(ranking, list("ABC"))
        assert (error.value.code, error.value.detail) == (code, detail), ranking


def test_instant_runoff_refuses_an_invalid_ranking():
    with pytest.raises(InvalidBallot) as error:
        runoff([RankedBallot(["A", "A"])], "AB")
    assert error.value.code == "duplicate"


# --- Consent -------------------------------------------------------------------------------------


def consents(*voters, position="consent"):
    return [ConsentResponse(voter, position) for voter in voters]


def consent(objections, responses, *, quorum=F(1, 2)):
    return consent_outcome(objections, responses=responses, electorate_weight=F(6), quorum=quorum)


def test_consent_passes_with_no_objection():
    responses = [*consents(1, 2, 3), *consents(4, position="stand_aside")]

    result = consent([], responses)

    assert (result.consent_weight, result.stand_aside_weight, result.objection_weight) == (3, 1, 0)
    assert result.participation_weight == 4
    assert result.turnout == F(4, 6)
    assert result.quorum_met is True
    assert result.passed is True
    assert result.outcome == Outcome.CONSENTED


def test_consent_fails_while_one_objection_stands():
    objection = Objection(5, "The sauna's running costs are not in the budget.")

    result = consent([objection], consents(1, 2, 3, 4))

    assert result.passed is False
    assert result.outcome == Outcome.OBJECTIONS_STAND
    assert result.objectors == (5,)
    assert result.standing_objections == (objection,)
    assert result.objection_weight == 1
    assert result.participation_weight == 5


def test_consent_passes_once_the_objection_is_resolved():
    objection = Objection(5, "Running costs missing.", addressed=True, resolved=True)

    result = consent([objection], consents(1, 2, 3, 4))

    assert result.passed is True
    assert result.consent_weight == 5  # the objector consented to the amended version
    assert result.objectors == ()
    assert result.resolved_objections == (objection,)


def test_only_the_objectors_whose_objection_was_addressed_are_asked_again():
    objections = [
        Objection(5, "Running costs missing.", addressed=True),
        Objection(6, "Noise at night."),  # not addressed by the amendment
        Objection(2, "Booking rules unclear.", addressed=True, resolved=True),
        Objection(5, "And the cleaning rota.", addressed=True),
    ]

    assert objectors_to_reask(objections) == [5]
    result = consent(objections, consents(1, 3, 4))
    assert result.to_reask == (5,)
    assert result.objectors == (5, 6)
    assert result.consent_weight == 4  # 1, 3, 4, and 2 whose objection is resolved
    assert result.passed is False


def test_consent_needs_the_quorum_and_someone_taking_part():
    assert consent([], consents(1, 2)).outcome == Outcome.NO_QUORUM
    assert consent([], [], quorum=F(0)).outcome == Outcome.NO_VOTES
    assert consent([], consents(1), quorum=F(0)).passed is True


def test_consent_refuses_contradictory_input():
    with pytest.raises(InvalidBallot) as error:
        Objection(5, "  ")
    assert error.value.code == "missing_reason"
    with pytest.raises(ValueError, match="objection stands"):
        consent([Objection(5, "No.")], consents(5))
    with pytest.raises(ValueError, match="more than once"):
        consent([], consents(1, 1))


# --- What a count reports, and what it refuses ---------------------------------------------


def test_a_yes_no_count_reports_its_figures_and_its_rule():
    result = tally_yes_no(
        yes_no("yes", "yes", "no", "abstain"),
        electorate_weight=8,
        quorum=F(1, 4),
        threshold=F(1, 2),
        abstentions_count_for_quorum=False,
    )
    assert result.ballot_count == 4
    assert (result.electorate_weight, result.participation_weight) == (8, 3)
    assert (result.quorum_weight, result.turnout) == (2, F(1, 2))
    assert (result.rule.threshold, result.rule.quorum) == (F(1, 2), F(1, 4))
    assert result.rule.abstentions_count_for_quorum is False
    assert result.rule.code == "more_than"


def test_halves_of_one_household_can_tie():
    # Two members of one household each vote with a quarter: 1/4 yes against 1/4 no.
    result = simple_majority([YesNoBallot("yes", F(1, 4)), YesNoBallot("no", F(1, 4))])
    assert result.tie is True
    assert result.outcome == Outcome.TIE


def test_unanimity_needs_every_yes_and_more_than_everything_is_refused():
    unanimous = tally_yes_no(yes_no("yes", "yes"), electorate_weight=2, quorum=0, threshold=1)
    assert unanimous.outcome == Outcome.PASSED
    assert unanimous.rule.code == "at_least"
    one_no = tally_yes_no(yes_no("yes", "yes", "no"), electorate_weight=3, quorum=0, threshold=1)
    assert one_no.outcome == Outcome.REJECTED
    with pytest.raises(ValueError, match="^a threshold of more than 1 can never be reached$"):
        tally_yes_no([], electorate_weight=1, quorum=0, threshold=1, threshold_inclusive=False)
    with pytest.raises(ValueError, match="^threshold must be above 0$"):
        tally_yes_no([], electorate_weight=1, quorum=0, threshold=0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: YesNoBallot("yes", 0), ValueError, "weight must be positive, got 0"),
        (
            lambda: YesNoBallot("yes", 0.5),
            TypeError,
            "weight must be an int, Fraction or Decimal, not float",
        ),
        (
            lambda: tally_yes_no([], electorate_weight=0, quorum=0, threshold=F(1, 2)),
            ValueError,
            "electorate_weight must be positive, got 0",
        ),
        (
            lambda: tally_yes_no([], electorate_weight=1, quorum=F(3, 2), threshold=F(1, 2)),
            ValueError,
            "quorum must be between 0 and 1, got 3/2",
        ),
        (
            lambda: approval([], quorum=F(3, 2)),
            ValueError,
            "quorum must be between 0 and 1, got 3/2",
        ),
        (
            lambda: tally_yes_no([], electorate_weight=1, quorum=0.5, threshold=F(1, 2)),
            TypeError,
            "quorum must be an int, Fraction or Decimal, not float",
        ),
        (
            lambda: tally_yes_no([], electorate_weight=1, quorum=0, threshold=F(3, 2)),
            ValueError,
            "threshold must be between 0 and 1, got 3/2",
        ),
        (
            lambda: ApprovalBallot("garden"),
            TypeError,
            "an approval must be a collection of option names, not str",
        ),
        (
            lambda: validate_approval(5, OPTIONS),
            TypeError,
            "an approval must be a collection of option names, not int",
        ),
        (
            lambda: validate_ranking("AB", list("ABC")),
            TypeError,
            "a ranking must be a collection of option names, not str",
        ),
        (
            lambda: validate_approval(["garden"], "garden"),
            TypeError,
            "options must be a sequence of option names, not a string",
        ),
        (lambda: validate_approval(["garden"], [1, 2]), TypeError, "option names must be strings"),
        (
            lambda: validate_approval(["garden"], OPTIONS, min_approvals=2, max_approvals=1),
            ValueError,
            "need 0 <= min_approvals <= max_approvals <= 3 options, got 2 and 1",
        ),
        (
            lambda: consent([Objection(5, "No."), Objection(5, "Nor this.", weight=F(1, 2))], []),
            ValueError,
            "voter 5's objections have different weights",
        ),
    ],
)
def test_a_count_called_with_impossible_arguments_says_which(call, error, message):
    # These guard against mistakes of the calling code, not of voters; the message names them.
    with pytest.raises(error) as exc_info:
        call()
    assert str(exc_info.value) == message


def test_a_refused_ballot_carries_its_code_and_its_facts():
    cases = [
        (lambda: YesNoBallot("maybe"), "unknown_choice", {"choice": "maybe"}),
        (lambda: ConsentResponse(3, "object"), "unknown_choice", {"choice": "object"}),
        (lambda: Objection(5, "  "), "missing_reason", {"voter_id": 5}),
        (
            lambda: validate_approval(OPTIONS, OPTIONS, max_approvals=2),
            "too_many_approvals",
            {"count": 3, "max": 2},
        ),
        (
            lambda: validate_approval(["sauna", "garden", "sauna", "garden"], OPTIONS),
            "duplicate",
            {"options": ["garden", "sauna"]},
        ),
    ]
    for call, code, detail in cases:
        with pytest.raises(InvalidBallot) as error:
            call()
        assert (error.value.code, error.value.detail) == (code, detail)
        assert error.value.args == (code, detail)
    # As many approvals as allowed is allowed.
    assert validate_approval(["garden", "sauna"], OPTIONS, max_approvals=2) == {"garden", "sauna"}


def test_ballot_weights_are_kept_exact():
    ballots = [
        YesNoBallot("yes", Decimal("0.5")),
        ApprovalBallot(["garden"], Decimal("0.5")),
        RankedBallot(["A"], Decimal("0.5")),
        Objection(1, "No.", weight=Decimal("0.5")),
        ConsentResponse(2, "consent", Decimal("0.5")),
    ]
    for ballot in ballots:
        assert type(ballot.weight) is F and ballot.weight == F(1, 2), ballot


def test_an_approval_count_reports_its_figures_and_no_winner_without_approvals():
    result = approval([ApprovalBallot(["garden"]), ApprovalBallot([])], min_approvals=0)
    assert result.ballot_count == 2
    assert (result.electorate_weight, result.participation_weight) == (6, 2)
    assert result.quorum_weight == 0
    assert result.top_score == 1
    nobody = approval([ApprovalBallot([])], min_approvals=0)
    assert (nobody.winners, nobody.outcome, nobody.top_score) == ((), Outcome.NO_VOTES, 0)


def test_a_runoff_and_a_consent_count_report_their_figures():
    result = runoff(ranked((1, "A"), (1, "B")), "AB", electorate=F(4), quorum=F(1, 2))
    assert result.options == ("A", "B")
    assert result.ballot_count == 2
    assert (result.electorate_weight, result.quorum_weight, result.turnout) == (4, 2, F(1, 2))
    agreed = consent([], consents(1, 2, 3))
    assert (agreed.electorate_weight, agreed.quorum_weight) == (6, 3)


# --- Properties --------------------------------------------------------------------------------

weights = st.builds(F, st.integers(1, 6), st.integers(1, 3))


@st.composite
def runoff_elections(draw):
    options = draw(st.lists(st.sampled_from("ABCDE"), min_size=1, max_size=5, unique=True))
    rankings = st.permutations(options).flatmap(
        lambda order: st.integers(0, len(order)).map(lambda k: order[:k])
    )
    ballots = draw(st.lists(st.builds(RankedBallot, rankings, weights), max_size=25))
    return options, ballots


@PROPERTY
@given(runoff_elections())
def test_property_an_instant_runoff_winner_has_a_majority_of_the_continuing_weight(election):
    options, ballots = election
    total = sum((b.weight for b in ballots), F(0))

    result = runoff(ballots, options)

    last = result.rounds[-1]
    if len(result.winners) == 1:
        assert 2 * last.counts[result.winner] > last.continuing_weight
    for row in result.rounds:
        assert sum(row.counts.values()) + row.exhausted + result.blank_weight == total
    # The count does not depend on the order the ballots come in.
    assert runoff(list(reversed(ballots)), options) == result


@PROPERTY
@given(st.lists(st.builds(YesNoBallot, st.sampled_from(["yes", "no", "abstain"]), weights)))
def test_property_yes_no_counts_sum_to_the_total_weight(ballots):
    total = sum((b.weight for b in ballots), F(0))

    result = simple_majority(ballots, electorate=max(total, F(1)))

    assert result.yes + result.no + result.abstain == total
    assert result.turnout * result.electorate_weight == total
    if result.passed:
        assert result.yes > result.no
