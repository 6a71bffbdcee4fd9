"""Amounts typed the way readers write them in their language."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from common.forms import MoneyField


@pytest.mark.parametrize(
    ("language", "typed", "cents"),
    [
        ("fr", "1 234,56", 123456),
        ("fr", "1\u202f234,5", 123450),
        ("hu", "12\u00a0000", 1200000),
        ("en", "1234.56", 123456),
    ],
)
def test_an_amount_is_read_with_the_readers_separators(language, typed, cents):
    with translation.override(language):
        assert MoneyField().clean(typed) == cents


def test_a_negative_amount_is_refused():
    with pytest.raises(ValidationError):
        MoneyField().clean("-5")
