"""Writes to spaces and their rules: the space itself, its weekly opening hours and closures;
and the secrets of the calendar feeds (a space's, a household's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.tokens import new_feed_token
from common.validation import save_validated
from community.bookings.models import Space, SpaceClosure, SpaceOpeningHours
from members.models import Household, HousingProject

SPACE_EDITABLE = (
    "name",
    "kind",
    "description",
    "capacity",
    "units",
    "is_active",
    "min_duration_minutes",
    "max_duration_minutes",
    "slot_minutes",
    "buffer_minutes",
    "advance_days",
    "quota_week_minutes",
    "quota_month_minutes",
    "requires_approval",
    "cancel_cutoff_minutes",
    "fee_per_hour_cents",
    "checkin_required",
    "checkin_grace_minutes",
    "handover_checklist",
    "reminder_minutes",
)


def _check_checklist(items: object) -> None:
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise ValidationError({"handover_checklist": _("Give the checklist as a list of items.")})
    if len(set(items)) != len(items):
        raise ValidationError({"handover_checklist": _("Each checklist item must be unique.")})


def _replace_opening_hours(space: Space, hours: Iterable[tuple[int, int, int]]) -> None:
    rows = [
        SpaceOpeningHours(space=space, weekday=weekday, opens_minute=opens, closes_minute=closes)
        for weekday, opens, closes in hours
    ]
    for row in rows:
        row.full_clean(exclude=["space"])
    by_day: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        by_day.setdefault(row.weekday, []).append((row.opens_minute, row.closes_minute))
    for intervals in by_day.values():
        intervals.sort()
        if any(a[1] > b[0] for a, b in zip(intervals, intervals[1:], strict=False)):
            raise ValidationError({"opening_hours": _("Opening hours of one day overlap.")})
    space.opening_hours.all().delete()
    SpaceOpeningHours.objects.bulk_create(rows)


@transaction.atomic
def space_create(
    *,
    project: HousingProject,
    name: str,
    kind: str,
    opening_hours: Iterable[tuple[int, int, int]] = (),
    **rules: object,
) -> Space:
    """A new space; ``opening_hours`` holds (weekday, opens_minute, closes_minute) rows, none
    meaning open around the clock."""
    unknown = set(rules) - set(SPACE_EDITABLE)
    if unknown:
        raise ValidationError({field: _("Unknown field.") for field in unknown})
    if "handover_checklist" in rules:
        _check_checklist(rules["handover_checklist"])
    space = save_validated(Space(project=project, name=name, kind=kind, **rules))
    _replace_opening_hours(space, opening_hours)
    return space


@transaction.atomic
def space_update(
    *, space: Space, opening_hours: Iterable[tuple[int, int, int]] | None = None, **changes
) -> Space:
    unknown = set(changes) - set(SPACE_EDITABLE)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    if "handover_checklist" in changes:
        _check_checklist(changes["handover_checklist"])
    space = Space.objects.select_for_update().get(pk=space.pk)
    for field, value in changes.items():
        setattr(space, field, value)
    save_validated(space)
    if opening_hours is not None:
        _replace_opening_hours(space, opening_hours)
    return space


@transaction.atomic
def space_closure_create(
    *, space: Space, start: dt.datetime, end: dt.datetime, reason: str = ""
) -> SpaceClosure:
    """Close a space for a period. Bookings already made in it stay; managers see them listed
    with the closure and decide whether to cancel them."""
    return save_validated(SpaceClosure(space=space, start=start, end=end, reason=reason))


@transaction.atomic
def space_closure_delete(*, closure: SpaceClosure) -> None:
    closure.delete()


@transaction.atomic
def space_feed_token_rotate(*, space: Space) -> Space:
    """Give the space's feed a new secret: the old feed URL stops working at once."""
    space.feed_token = new_feed_token()
    space.save(update_fields=["feed_token"])
    return space


@transaction.atomic
def household_feed_token_rotate(*, household: Household) -> Household:
    """Give the household's feed a new secret: the old feed URL stops working at once."""
    household.feed_token = new_feed_token()
    household.save(update_fields=["feed_token"])
    return household
