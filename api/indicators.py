"""The indicators API (DESIGN.md §4 and §6): a city's and a project's published indicator cells,
and the pilot goals.

- ``GET /cities/{id}/indicators/`` — the city's cells: its total (``project`` null) and every
  project's; ``?month``, ``?from``, ``?to`` (months: ``2025-03``), ``?indicator``, ``?filter``
  (``household_size:1``; blank, the default, is every household);
- ``GET /projects/{id}/indicators/`` — one project's cells, with the same filters;
  ``?filter=period:quarter`` gives the quarter totals (on each quarter's first month);
- ``/pilot-goals/`` — list (``?city``, ``?project``, ``?indicator``; each goal's progress as of
  ``?month``, this month by default), create, ``PATCH``, ``DELETE``.

Only published cells exist here: a suppressed cell has ``value`` null, ``suppressed`` true and at
most "< k" as ``display``; no household count or suppression reason is ever sent. Shares and
ratios are fractions (0.25 is 25 %), amounts are in cents of the city's currency; values are
decimal strings. The cells come from ``community.selectors.indicators``, as on the pages.

Who sees what: a city's officers and the network observers read a city's cells and every
project's; a housing manager reads the cells of the projects they manage (their own project's
published figures, which describe no household: the same as the city's officers see of it), not
the city's totals; residents and everybody else, the officers of other cities included, get 404.
Goals: the city's officers write them; observers and managers read them (a write answers 403);
anyone else gets 404. Bad input answers 400 with the field and the reason, before anything is
written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import ISO_8601, mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import AUTHENTICATED
from api.common import DIGITS
from api.filters import IdFilter
from api.schema import BAD_INPUT, REFUSED, UNKNOWN
from common.months import first_of_month
from community.monitoring.models import (
    GoalComparison,
    Indicator,
    IndicatorUnit,
    PilotGoal,
    validate_filter,
)
from community.monitoring.selectors.dashboards import (
    GoalProgress,
    goal_progress_list,
    indicator_project_list_for_user,
    pilot_goal_list_for_user,
    plain_value,
    unit_of,
    user_can_set_goals,
)
from community.monitoring.selectors.indicators import IndicatorRow, IndicatorRows, indicator_rows
from community.monitoring.services.pilot_goals import (
    pilot_goal_create,
    pilot_goal_delete,
    pilot_goal_update,
)
from members.models import City, HousingProject
from members.selectors import observed_city_list


class MonthField(serializers.DateField):
    """A month, as ``2025-03`` or its first day ``2025-03-01``; any day means its month."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("A month: 2025-03, or a day of it."))
        super().__init__(input_formats=["%Y-%m", ISO_8601], **kwargs)

    def to_internal_value(self, value: Any) -> dt.date:
        return first_of_month(super().to_internal_value(value))


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "0.25"})
class PublishedValueField(serializers.Field):
    """A stored value as a decimal string without trailing zeros; null when suppressed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return plain_value(value) or None


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-03"})
class MonthOutField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: dt.date) -> str:
        return f"{value:%Y-%m}"


# --- Indicator cells ---------------------------------------------------------------------


class IndicatorCellSerializer(serializers.Serializer):
    """One published cell (``community.monitoring.selectors.indicators.IndicatorRow``): where
    and when it belongs, and what ``IndicatorSnapshot.public()`` has of it."""

    city = serializers.IntegerField(source="city_id")
    project = serializers.IntegerField(
        source="project_id", allow_null=True, help_text=_("Null for the city's total.")
    )
    project_name = serializers.SerializerMethodField()
    month = MonthOutField()
    indicator = serializers.ChoiceField(choices=Indicator.choices)
    filter = serializers.CharField(
        help_text=_(
            "Blank for every household; household_size:1, household_size:2, household_size:3+ "
            "for one size; period:quarter for a quarter's total, on its first month."
        )
    )
    unit = serializers.SerializerMethodField()
    value = PublishedValueField(
        help_text=_(
            "Null when suppressed. Shares and ratios as fractions, amounts in cents of the "
            "city's currency."
        )
    )
    suppressed = serializers.BooleanField()
    display = serializers.CharField(
        help_text=_('"< k" for a small count that is not shown; else empty.')
    )

    def get_project_name(self, row: IndicatorRow) -> str | None:
        return row.project_name if row.project_id is not None else None

    @extend_schema_field({"type": "string", "enum": IndicatorUnit.values})
    def get_unit(self, row: IndicatorRow) -> str:
        return unit_of(row.indicator)


class IndicatorQuery(serializers.Serializer):
    month = MonthField(required=False)
    indicator = serializers.ChoiceField(choices=Indicator.choices, required=False)
    filter = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        validators=[validate_filter],
        help_text=_("dimension:category, e.g. household_size:1; blank for every household."),
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword: these two are added by name.
        fields["from"] = MonthField(required=False, help_text=_("From this month on."))
        fields["to"] = MonthField(required=False, help_text=_("Up to this month."))
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and end < start:
            raise serializers.ValidationError({"to": _("The last month comes after the first.")})
        return attrs

    def period(self) -> dict[str, dt.date | None]:
        """``start`` and ``until`` for the selector: a month is a period of one month."""
        data = self.validated_data
        start, until = data.get("from"), data.get("to")
        if data.get("month"):
            start = max(start or data["month"], data["month"])
            until = min(until or data["month"], data["month"])
        return {"start": start, "until": until}


class _CellListApi(ListAPIView):
    serializer_class = IndicatorCellSerializer
    permission_classes = AUTHENTICATED
    filter_backends: list = []

    def scope(self) -> dict[str, City | HousingProject]:
        raise NotImplementedError

    def get_queryset(self) -> IndicatorRows | list[IndicatorRow]:
        if getattr(self, "swagger_fake_view", False):
            return []
        scope = self.scope()  # first: an unknown city or project is 404, not 400
        query = IndicatorQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        # Read a page at a time: the paginator counts, then reads its page's rows only.
        return indicator_rows(
            **scope,
            **query.period(),
            indicator=query.validated_data.get("indicator"),
            filters=[query.validated_data.get("filter", "")],
        )


class CityIndicatorsApi(_CellListApi):
    @extend_schema(
        operation_id="cities_indicators",
        parameters=[IndicatorQuery],
        responses={200: IndicatorCellSerializer(many=True), 400: BAD_INPUT, 404: UNKNOWN},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A city's published cells: its total (project null) and each of its projects'."""
        return super().get(request, *args, **kwargs)

    def scope(self) -> dict[str, City | HousingProject]:
        city = get_object_or_404(observed_city_list(user=self.request.user), pk=self.kwargs["pk"])
        return {"city": city}


class ProjectIndicatorsApi(_CellListApi):
    @extend_schema(
        operation_id="projects_indicators",
        parameters=[IndicatorQuery],
        responses={200: IndicatorCellSerializer(many=True), 400: BAD_INPUT, 404: UNKNOWN},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A project's published cells."""
        return super().get(request, *args, **kwargs)

    def scope(self) -> dict[str, City | HousingProject]:
        project = get_object_or_404(
            indicator_project_list_for_user(user=self.request.user), pk=self.kwargs["pk"]
        )
        return {"project": project}


# --- Pilot goals -------------------------------------------------------------------------


class GoalProgressSerializer(serializers.Serializer):
    """For the schema: what ``PilotGoalSerializer.get_progress`` writes."""

    status = serializers.ChoiceField(
        choices=["met", "not_met", "unknown", "not_started"],
        help_text=_(
            "On the latest month of the goal's period (up to ?month) with a published cell; "
            "unknown when that cell is suppressed or there is none."
        ),
    )
    month = MonthOutField(allow_null=True)
    value = PublishedValueField()
    suppressed = serializers.BooleanField()
    display = serializers.CharField()


class PilotGoalSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", allow_null=True, read_only=True)
    target = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        read_only=True,
        help_text=_("Shares and ratios as fractions (0.2 is 20 %), amounts in cents."),
    )
    progress = serializers.SerializerMethodField()

    class Meta:
        model = PilotGoal
        fields = [
            "id",
            "city",
            "project",
            "indicator",
            "comparison",
            "target",
            "starts_on",
            "ends_on",
            "created_at",
            "progress",
        ]
        read_only_fields = fields

    @extend_schema_field(GoalProgressSerializer(allow_null=True))
    def get_progress(self, goal: PilotGoal) -> dict[str, Any] | None:
        progress: GoalProgress | None = self.context.get("progress", {}).get(goal.pk)
        if progress is None:
            return None
        figure = progress.figure
        return {
            "status": progress.status,
            "month": None if progress.month is None else f"{progress.month:%Y-%m}",
            "value": None if figure is None else (plain_value(figure.value) or None),
            "suppressed": bool(figure and figure.suppressed),
            "display": figure.display if figure is not None else "",
        }


class PilotGoalChange(serializers.Serializer):
    project = serializers.IntegerField(
        min_value=1,
        allow_null=True,
        required=False,
        help_text=_("A project of the goal's city; null for the city's own figure."),
    )
    indicator = serializers.ChoiceField(choices=Indicator.choices)
    comparison = serializers.ChoiceField(choices=GoalComparison.choices)
    target = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        help_text=_("Shares and ratios as fractions (0.2 is 20 %), amounts in cents."),
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class PilotGoalInput(PilotGoalChange):
    city = serializers.IntegerField(
        min_value=1, required=False, help_text=_("Required when no project is given.")
    )


class ScopeInput(serializers.Serializer):
    city = serializers.IntegerField(min_value=1, required=False)
    project = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ProgressQuery(serializers.Serializer):
    month = MonthField(required=False, help_text=_("Progress as of this month; this month."))


class PilotGoalFilter(django_filters.FilterSet):
    city = IdFilter(field_name="city_id")
    project = IdFilter(field_name="project_id")
    indicator = django_filters.ChoiceFilter(choices=Indicator.choices)

    class Meta:
        model = PilotGoal
        fields = ["city", "project", "indicator"]


def _project_of_city(city: City, pk: int | None) -> HousingProject | None:
    """The project a goal names, which must be one of its city's."""
    if pk is None:
        return None
    project = city.projects.filter(pk=pk).first()
    if project is None:
        raise serializers.ValidationError(
            {"project": [_("The project must belong to the goal's city.")]}
        )
    return project


class PilotGoalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PilotGoalSerializer
    filterset_class = PilotGoalFilter
    permission_classes = AUTHENTICATED
    lookup_value_regex = DIGITS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = PilotGoal.objects.none()  # for the OpenAPI generator

    def get_queryset(self) -> QuerySet[PilotGoal]:
        if getattr(self, "swagger_fake_view", False):
            return PilotGoal.objects.none()
        return pilot_goal_list_for_user(user=self.request.user)

    def _until(self) -> dt.date:
        query = ProgressQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data.get("month") or first_of_month(timezone.localdate())

    def _body(self, goals: list[PilotGoal], until: dt.date, many: bool) -> Any:
        progress = {item.goal.pk: item for item in goal_progress_list(goals=goals, until=until)}
        context = {**self.get_serializer_context(), "progress": progress}
        if many:
            return PilotGoalSerializer(goals, many=True, context=context).data
        return PilotGoalSerializer(goals[0], context=context).data

    def _check_writer(self, city: City) -> None:
        if not user_can_set_goals(user=self.request.user, city=city):
            raise PermissionDenied(_("Only the city's officers may set its pilot goals."))

    @extend_schema(parameters=[ProgressQuery], responses={200: PilotGoalSerializer(many=True)})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The goals of the cities the user follows (and of the projects they manage), each
        with its progress."""
        until = self._until()
        goals = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(goals)
        return self.get_paginated_response(self._body(list(page), until, many=True))

    @extend_schema(parameters=[ProgressQuery], responses={200: PilotGoalSerializer, 404: UNKNOWN})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        return Response(self._body([goal], self._until(), many=False))

    @extend_schema(
        request=PilotGoalInput,
        responses={201: PilotGoalSerializer, 400: BAD_INPUT, 403: REFUSED, 404: UNKNOWN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The city's officers: a target on a project's figure, or on the city's (no project)."""
        scope = ScopeInput(data=request.data)
        scope.is_valid(raise_exception=True)
        city_pk = scope.validated_data.get("city")
        project_pk = scope.validated_data.get("project")
        city = None
        if city_pk is not None:
            city = get_object_or_404(observed_city_list(user=request.user), pk=city_pk)
        if project_pk is not None:
            project = get_object_or_404(
                indicator_project_list_for_user(user=request.user), pk=project_pk
            )
            city = city or project.city
        if city is None:
            raise serializers.ValidationError({"city": [_("Give the city, or a project.")]})
        self._check_writer(city)
        data = PilotGoalInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {key: value for key, value in data.validated_data.items() if key != "city"}
        fields["project"] = _project_of_city(city, project_pk)
        goal = pilot_goal_create(city=city, created_by=request.user, **fields)
        return Response(
            self._body([goal], first_of_month(timezone.localdate()), many=False),
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=PilotGoalChange(partial=True),
        responses={200: PilotGoalSerializer, 400: BAD_INPUT, 403: REFUSED, 404: UNKNOWN},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The city's officers: change what is given; the city stays."""
        goal = self.get_object()
        self._check_writer(goal.city)
        data = PilotGoalChange(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "project" in fields:
            fields["project"] = _project_of_city(goal.city, fields["project"])
        goal = pilot_goal_update(goal=goal, **fields)
        return Response(self._body([goal], first_of_month(timezone.localdate()), many=False))

    @extend_schema(
        responses={204: OpenApiResponse(description=_("Deleted.")), 403: REFUSED, 404: UNKNOWN}
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        self._check_writer(goal.city)
        pilot_goal_delete(goal=goal)
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = ["CityIndicatorsApi", "PilotGoalViewSet", "ProjectIndicatorsApi"]
