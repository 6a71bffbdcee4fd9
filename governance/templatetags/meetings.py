"""Template helpers of the meeting pages: exact shares, and whether a user takes part in a
project's meetings."""

from __future__ import annotations

from fractions import Fraction

from django import template
from django.utils.translation import gettext as _

from governance.proposal_display import share_text
from members.selectors import member_project_list

register = template.Library()


@register.filter
def share(numerator: int, denominator: int) -> str:
    """A share as the bylaws write it, with its percentage: "2/3 (66.7%)"; "none" for 0."""
    if not numerator:
        return _("none")
    return share_text(Fraction(numerator, denominator or 1))


@register.simple_tag
def takes_part_in(user, project) -> bool:
    """Whether the user lives in or manages the project: city officers do not see its
    meetings."""
    return member_project_list(user=user).filter(pk=project.pk).exists()
