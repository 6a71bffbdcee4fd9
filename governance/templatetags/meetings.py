"""Template helpers of the meeting pages: exact shares, and whether a user takes part in a
project's meetings."""

from __future__ import annotations

from fractions import Fraction

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from members.selectors import member_project_list

register = template.Library()


@register.filter
def share(numerator: int, denominator: int) -> str:
    """A share as the bylaws write it, with its percentage: "2/3 (66.7 %)"; "none" for 0."""
    if not numerator:
        return _("none")
    value = Fraction(numerator, denominator or 1)
    # Rounded first: number_format cuts the digits off rather than rounding them.
    percent = formats.number_format(round(float(value * 100), 1), decimal_pos=1)
    if value.denominator == 1:
        return f"{value.numerator} ({percent} %)"
    return f"{value.numerator}/{value.denominator} ({percent} %)"


@register.simple_tag
def takes_part_in(user, project) -> bool:
    """Whether the user lives in or manages the project: city officers do not see its
    meetings."""
    return member_project_list(user=user).filter(pk=project.pk).exists()
