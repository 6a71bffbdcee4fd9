"""How the voting pages word and round a count: exact fractions in, rounded text out."""

from __future__ import annotations

from fractions import Fraction

from django.utils import translation

from common.display import number_text, percent_text
from governance.proposal_display import (
    choice_text,
    result_table,
    round_table,
    rules_facts,
    share_text,
)


def test_numbers_are_rounded_not_cut_and_localised():
    with translation.override("en"):
        assert number_text("2/3") == "0.67"  # number_format alone would write 0.66
        assert number_text("3/2") == "1.5" and number_text("4") == "4"
        assert percent_text("2/3") == "66.7%" and percent_text(Fraction(1, 8)) == "12.5%"
        assert share_text("1/2") == "1/2 (50.0%)" and share_text("1") == "1 (100.0%)"
    with translation.override("fr"):
        assert number_text("3/2") == "1,5" and percent_text("2/3") == "66,7\u00a0%"


def test_choices_in_words():
    with translation.override("en"):
        assert choice_text("yes_no", "abstain") == "Abstain"
        assert choice_text("approval", ["A", "C"]) == "A, C"
        assert choice_text("ranked", ["B", "A"]) == "1. B · 2. A"
        assert choice_text("ranked", {"A": 2, "B": 1}) == "1. B · 2. A"
        assert choice_text("ranked", []) == "blank (nothing ranked)"
        assert choice_text("consent", "stand_aside") == "Stand aside"


def test_approval_shares_are_of_the_voters_and_the_winner_leads():
    tally = {
        "method": "approval",
        "counts": {"A": "3", "B": "1", "C": "2"},
        "participation_weight": "4",
        "winners": ["A"],
        "winner": "A",
    }
    with translation.override("en"):
        table = result_table(tally, ["A", "B", "C"])
    assert [(r.key, r.weight, r.percent, r.leading) for r in table.rows] == [
        ("A", "3", "75.0%", True),
        ("B", "1", "25.0%", False),
        ("C", "2", "50.0%", False),
    ]
    assert table.base == "4"


def test_the_round_table_follows_each_option_until_it_leaves():
    tally = {
        "method": "ranked",
        "rounds": [
            {
                "number": 1,
                "counts": {"A": "2", "B": "2", "C": "1"},
                "exhausted": "0",
                "continuing_weight": "5",
                "eliminated": ["C"],
                "tie_break": None,
            },
            {
                "number": 2,
                "counts": {"A": "2", "B": "5/2"},
                "exhausted": "1/2",
                "continuing_weight": "9/2",
                "eliminated": [],
                "tie_break": None,
            },
        ],
    }
    with translation.override("en"):
        table = round_table(tally, ["A", "B", "C"])
    assert table.numbers == [1, 2]
    assert [(r.label, r.cells, r.eliminated_in) for r in table.rows] == [
        ("A", ["2", "2"], None),
        ("B", ["2", "2.5"], None),
        ("C", ["1", ""], 1),
    ]
    assert table.exhausted == ["0", "0.5"] and table.continuing == ["5", "4.5"]


def test_rules_in_words_say_more_than_or_at_least():
    rules = {
        "decision_class": "Bylaws",
        "method": "yes_no",
        "electorate": "adult",
        "quorum": "0",
        "threshold": "2/3",
        "threshold_inclusive": True,
        "abstentions_count_for_quorum": False,
        "secret": True,
        "review_months": None,
    }
    with translation.override("en"):
        facts = dict(rules_facts(rules))
    assert facts["Quorum"] == "No quorum"
    assert facts["To pass"] == "At least 2/3 (66.7%) of the yes and no votes"
    assert facts["Abstentions"] == "Do not count towards the quorum"
    assert facts["Ballot"].startswith("Secret")
