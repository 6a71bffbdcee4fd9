"""Lengths of time are written in the unit people use for them, in the reader's language."""

import pytest
from django.utils import translation

from common.display import duration_text


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
