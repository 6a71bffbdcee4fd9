"""What the money API's modules share: the month and ratio fields, and the project and
household lookups that answer 404 outside what the user may see."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.request import Request

from api.permissions import CanManageProject
from community.money.models import SchemeMethod
from members.models import Household, HousingProject
from members.selectors import (
    AnyUser,
    household_list_for_user,
    managed_project_list,
    member_project_list,
)

CONFLICT = OpenApiResponse(description=_("The scheme's or the month's state does not allow this."))


class MonthField(serializers.DateField):
    """A month, as ``2025-06`` or its first day ``2025-06-01``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("A month: 2025-06, or its first day 2025-06-01."))
        super().__init__(input_formats=["%Y-%m", ISO_8601], **kwargs)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{4}$", "example": "0.3125"}
)
class RatioField(serializers.Field):
    """An exact share (a ``Fraction``) as a decimal string with four places, half-even: 0.3125
    is 31.25 %."""

    places = 4

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Fraction | Decimal | int) -> str:
        value = Fraction(value)
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return str(exact.quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_EVEN))


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{8}$", "example": "0.27131742"}
)
class RateField(RatioField):
    """A rate applied to incomes (solidarity's r), with eight places: it multiplies amounts of
    thousands of euros, so four would move a contribution by whole euros."""

    places = 8


@extend_schema_field(
    {"type": "string", "enum": SchemeMethod.values}, component_name="SchemeMethodEnum"
)
class SchemeMethodField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=SchemeMethod.choices, **kwargs)


def project_today(project: HousingProject) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(project.city.time_zone))


def member_project_or_404(*, user: AnyUser, pk: int) -> HousingProject:
    """A project the user lives in or manages; 404 for any other (a city officer's included:
    an officer sees indicators, never a household's money)."""
    return get_object_or_404(member_project_list(user=user).select_related("city"), pk=pk)


def managed_project_or_404(*, user: AnyUser, pk: int) -> HousingProject:
    """A project the user manages; 404 for any other, its residents' included: what follows
    shows every household's money."""
    return get_object_or_404(managed_project_list(user=user).select_related("city"), pk=pk)


def household_or_404(*, user: AnyUser, pk: int) -> Household:
    """The user's own household, or one of a project they manage; else 404."""
    return get_object_or_404(household_list_for_user(user=user), pk=pk)


class ProjectInput(serializers.Serializer):
    project = serializers.IntegerField(min_value=1)


class WritesOfManagers:
    """For the viewsets: the project a write names comes first. Not a project the user lives in
    or manages: 404; one they live in without managing it: 403; only then is the input read,
    so a refused user learns nothing from the validation."""

    def project_to_manage(self, request: Request) -> HousingProject:
        data = ProjectInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = member_project_or_404(user=request.user, pk=data.validated_data["project"])
        self.check_permission(CanManageProject, project)  # type: ignore[attr-defined]
        return project
