"""What the booking API's modules share: the clock field, the household a booking is for, and
the period queries of availability, usage and free spaces."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from api.common import AwareDateTimeField, restrict_related
from community.bookings.models import Space, SpaceKind
from community.bookings.selectors.spaces import home_household_for_space, space_list_for_user
from members.models import Household, HousingProject
from members.selectors import household_list_for_user, household_of_user, member_project_list

# A booking's, a waitlist entry's or a lottery window's state refuses the change (409).
CONFLICT = OpenApiResponse(
    description=_("The booking's or the window's state does not allow this now.")
)

# The longest period one availability or free-space question may cover: a calendar view of
# two months at most, so that one request stays cheap however busy the space is.
MAX_QUERY_DAYS = 62
# Fair use is read over longer periods (the lottery weighs a year of use).
MAX_USAGE_DAYS = 366
CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})")


@extend_schema_field(
    {"type": "string", "pattern": r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", "example": "08:00"}
)
class ClockField(serializers.Field):
    """A wall-clock time "HH:MM" ↔ minutes after local midnight ("24:00" is 1440)."""

    default_error_messages = {"invalid": _("Give a time as HH:MM, from 00:00 to 24:00.")}

    def to_internal_value(self, data: Any) -> int:
        # ASCII digits only: str.isdigit() would let "²" through to int(), a server error.
        match = CLOCK.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        hours, minutes = int(match[1]), int(match[2])
        if minutes > 59 or hours * 60 + minutes > 24 * 60:
            self.fail("invalid")
        return hours * 60 + minutes

    def to_representation(self, value: int) -> str:
        return f"{value // 60:02d}:{value % 60:02d}"


def acting_household(*, user, project: HousingProject, given: Household | None) -> Household:
    """Who a booking is for: the household given (a manager's choice, or the user's own: the
    field only accepts households the user sees), else the user's own household there."""
    if given is not None:
        return given
    household = household_of_user(user=user, project=project)
    if household is None:
        raise ValidationError(
            {"household": [_("You do not live in this project: choose the household.")]}
        )
    return household


def _unknown(field: str, pk: int) -> ValidationError:
    # DRF's own words for an id outside the field's queryset: the same answer as before.
    message = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
    return ValidationError({field: [message.format(pk_value=pk)]})


def booking_target(
    *, user, space_id: int, household_id: int | None, read_space: bool = True
) -> tuple[Space, Household]:
    """The space and the household a booking names by id, each 400 on its field when the user
    may not name it (as for an id that does not exist).

    A resident booking for their own household, nearly every booking, costs one query: their
    household in the space's project, which shows as well that they may see the space. Without
    ``read_space`` the space is then only a handle, for a service that reads it under its lock
    (``booking_create``). Anyone else goes through the visibility selectors.
    """
    if household_id is None:
        household = home_household_for_space(user=user, space_id=space_id)
        if household is not None and not read_space:
            return Space(pk=space_id, project=household.project), household
        if household is not None:
            return Space.objects.select_related("project__city").get(pk=space_id), household
    # The opening hours the selector fetches with the spaces are not needed here.
    space = space_list_for_user(user=user).prefetch_related(None).filter(pk=space_id).first()
    if space is None:
        raise _unknown("space", space_id)
    given = None
    if household_id is not None:
        given = household_list_for_user(user=user).filter(pk=household_id).first()
        if given is None:
            raise _unknown("household", household_id)
    return space, acting_household(user=user, project=space.project, given=given)


def asking_household(*, user, space: Space, given: Household | None) -> Household | None:
    """Whose quota an availability question is about: the one given, else the user's own
    household in the space's project (a manager without one asks for nobody in particular)."""
    if given is not None:
        if given.project_id != space.project_id:
            raise ValidationError(
                {"household": [_("This household does not live in this project.")]}
            )
        return given
    return household_of_user(user=user, project=space.project)


def read_query(serializer_class, request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params, context={"request": request})
    query.is_valid(raise_exception=True)
    return query.validated_data


class PeriodQuery(serializers.Serializer):
    """[start, end) of a question, at most ``max_days`` long."""

    max_days = MAX_QUERY_DAYS

    start = AwareDateTimeField(help_text=_("ISO 8601 with its offset, e.g. 2025-06-02T08:00+02:00"))
    end = AwareDateTimeField(help_text=_("ISO 8601 with its offset; after the start."))

    def validate(self, attrs: dict) -> dict:
        start, end = attrs["start"], attrs["end"]
        if end <= start:
            raise ValidationError({"end": [_("The end must come after the start.")]})
        if end - start > dt.timedelta(days=self.max_days):
            raise ValidationError(
                {
                    "end": [
                        _("Ask for %(days)s days at most.") % {"days": self.max_days},
                    ]
                }
            )
        return attrs


class UsageQuery(PeriodQuery):
    max_days = MAX_USAGE_DAYS


class HouseholdPeriodQuery(PeriodQuery):
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(),
        required=False,
        help_text=_("Managers: the household whose quota counts (residents: their own)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, household=household_list_for_user)


class FreeSpacesQuery(HouseholdPeriodQuery):
    project = serializers.PrimaryKeyRelatedField(
        queryset=HousingProject.objects.none(),
        required=False,
        help_text=_("Defaults to the project the user lives in."),
    )
    kind = serializers.ChoiceField(choices=SpaceKind.choices, required=False)
    attendees = serializers.IntegerField(min_value=1, default=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, project=member_project_list)
