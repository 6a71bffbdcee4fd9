"""Figures for the eye, one way per language: percentages in the language's percent pattern,
numbers with its signs, money with its currency, months in tables; lengths of time in the unit
people use for them."""

import datetime as dt
from fractions import Fraction

import pytest
from django.utils import translation

from common.display import (
    duration_text,
    money_text,
    number_text,
    percent_text,
    rate_text,
    short_month_text,
)
from community.templatetags.netco import money, rate, short_month


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (1, "1 minute"),
        (15, "15 minutes"),
        (90, "90 minutes"),
        (60, "1 hour"),
        (240, "4 hours"),
        (1440, "24 hours"),
        (2880, "48 hours"),
        (4320, "3 days"),
        (10080, "7 days"),
        (1500, "25 hours"),
        (1470, "1470 minutes"),
    ],
)
def test_a_duration_takes_the_unit_people_use(minutes, text):
    with translation.override("en"):
        assert duration_text(minutes) == text


@pytest.mark.parametrize(
    ("language", "minutes", "text"),
    [
        ("fr", 1440, "24 heures"),
        ("de", 4320, "3 Tage"),
        ("sl", 120, "2 uri"),  # Slovenian's dual
        ("sl", 300, "5 ur"),
        ("hr", 180, "3 sata"),
        ("ro", 1200, "20 de ore"),
    ],
)
def test_a_duration_is_written_in_the_readers_language(language, minutes, text):
    with translation.override(language):
        assert duration_text(minutes) == text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "84.4%"),
        ("es", "84,4\u00a0%"),
        ("ca", "84,4\u00a0%"),
        ("fr", "84,4\u00a0%"),
        ("de", "84,4\u00a0%"),
        ("it", "84,4%"),
        ("nl", "84,4%"),
        ("sl", "84,4\u00a0%"),
        ("hr", "84,4\u00a0%"),
        ("nb", "84,4\u00a0%"),
        ("ro", "84,4\u00a0%"),
        ("hu", "84,4%"),
        ("el", "84,4%"),
    ],
)
def test_a_percentage_follows_the_languages_pattern(language, text):
    with translation.override(language):
        assert percent_text("0.844") == text


def test_a_percentage_is_rounded_half_even_to_its_places():
    with translation.override("en"):
        assert percent_text(Fraction(1, 8)) == "12.5%"
        assert percent_text("0.12345") == "12.3%" and percent_text("0.12355") == "12.4%"
        assert percent_text(Fraction(2, 3)) == "66.7%" and percent_text(1) == "100.0%"
        assert percent_text("0.5", places=0) == "50%" and percent_text(0) == "0.0%"
    with translation.override("fr"):
        assert percent_text("12.3456", places=0) == "1\u202f235\u00a0%"  # grouped


def test_a_rate_keeps_every_digit_it_was_given():
    with translation.override("en"):
        assert rate_text("2.5") == "2.5%" and rate_text("30") == "30%"
        assert rate_text("12.125") == "12.125%" and rate("30.00") == "30%"
        assert rate(None) == "—"
    with translation.override("de"):
        assert rate_text("2.5") == "2,5\u00a0%"


def test_numbers_take_the_languages_signs():
    with translation.override("en"):
        assert number_text(12345) == "12,345" and number_text("-3/2") == "-1.5"
    with translation.override("de"):
        assert number_text(12345) == "12.345" and number_text("3/2") == "1,5"
    with translation.override("hu"):
        assert number_text(12345) == "12\u00a0345"


@pytest.mark.parametrize(
    ("language", "currency", "text"),
    [
        ("en", "EUR", "€1,234.50"),
        ("fr", "EUR", "1\u202f234,50\u00a0€"),
        ("de", "EUR", "1.234,50\u00a0€"),
        ("hu", "HUF", "1\u00a0234,50\u00a0Ft"),
        ("ro", "RON", "1.234,50\u00a0RON"),
        ("el", "EUR", "1.234,50\u00a0€"),
    ],
)
def test_money_is_written_as_the_language_writes_its_currency(language, currency, text):
    with translation.override(language):
        assert money_text(123450, currency) == text
        assert money(123450, currency) == text
    assert money(None) == "—"


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Dec 2026"), ("fr", "déc. 2026"), ("de", "Dez. 2026"), ("hu", "2026. dec.")],
)
def test_a_month_in_a_table_is_short_and_in_the_languages_order(language, text):
    with translation.override(language):
        assert short_month_text(dt.date(2026, 12, 1)) == text
        assert short_month(dt.date(2026, 12, 1)) == text
    assert short_month(None) == ""
