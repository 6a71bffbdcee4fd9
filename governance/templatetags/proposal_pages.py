"""Template helpers of the voting pages: a meeting's proposals (for the meeting page's include)
and shares as percentages."""

from __future__ import annotations

from typing import Any

from django import template

from common.display import percent_text
from governance.models import Meeting, Proposal
from governance.selectors.proposal_pages import meeting_proposal_list

register = template.Library()


@register.simple_tag(takes_context=True)
def meeting_proposals(context: Any, meeting: Meeting) -> list[Proposal]:
    """The meeting's proposals the viewing user may see, with their decisions (one query)."""
    request = context.get("request")
    if request is None:
        return []
    return list(meeting_proposal_list(user=request.user, meeting=meeting))


@register.filter
def percent(value: Any) -> str:
    """A share (0.6, "2/3") as a localised percentage: "60.0%", "60,0 %"."""
    if value in (None, ""):
        return "—"
    return percent_text(value)
