"""Affordability figures of a project's households, and of one household over time."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import AUTHENTICATED
from api.money.base import (
    MonthField,
    RatioField,
    household_or_404,
    managed_project_or_404,
)
from api.schema import BAD_INPUT, UNKNOWN
from community.money.selectors.affordability import (
    MAX_MONTHS,
    household_affordability,
    project_affordability,
)
from members.selectors import income_declarations_read


class AffordabilityQuery(serializers.Serializer):
    months = serializers.IntegerField(
        min_value=1, max_value=MAX_MONTHS, default=12, help_text=_("How many months back.")
    )
    until = MonthField(
        required=False, help_text=_("The last month (2025-06); by default the current one.")
    )


class HouseholdFiguresSerializer(serializers.Serializer):
    """One household's month (DESIGN.md §4): the Eurostat housing cost ratio and its 40 %
    overburden flag, the US 30 % rule of gross income, equivalised income on both scales, the
    poverty risk and the residual income."""

    household = serializers.IntegerField(source="household.pk")
    unit_label = serializers.CharField(source="household.unit_label")
    month = serializers.DateField()
    residents = serializers.IntegerField()
    charge_cents = serializers.IntegerField(help_text=_("The month's charge, for a whole month."))
    charged_cents = serializers.IntegerField(help_text=_("What was charged (a part month less)."))
    utilities_cents = serializers.IntegerField()
    housing_allowance_cents = serializers.IntegerField()
    housing_cost_cents = serializers.IntegerField(help_text=_("Charge + utilities."))
    disposable_cents = serializers.IntegerField(
        allow_null=True, help_text=_("None: no income declaration valid that month.")
    )
    gross_cents = serializers.IntegerField(allow_null=True)
    ratio = RatioField(
        allow_null=True,
        help_text=_("Housing costs ÷ disposable income, both net of housing allowances."),
    )
    overburdened = serializers.BooleanField(allow_null=True, help_text=_("Ratio above 0.4."))
    gross_ratio = RatioField(allow_null=True, help_text=_("Housing costs ÷ gross income."))
    thirty_rule = serializers.BooleanField(allow_null=True, help_text=_("Above 0.3 of gross."))
    severely_burdened = serializers.BooleanField(
        allow_null=True, help_text=_("Above 0.5 of gross.")
    )
    equivalised_cents = serializers.IntegerField(
        allow_null=True, help_text=_("Disposable ÷ the modified OECD scale.")
    )
    equivalised_sqrt_cents = serializers.IntegerField(
        allow_null=True, help_text=_("Disposable ÷ √ household size (OECD AHD HC1.2).")
    )
    at_risk_of_poverty = serializers.BooleanField(
        allow_null=True,
        help_text=_("Equivalised income below 60 per cent of the national median."),
    )
    residual_cents = serializers.IntegerField(
        allow_null=True, help_text=_("Disposable income − housing costs.")
    )


class MonthFiguresSerializer(serializers.Serializer):
    month = serializers.DateField()
    households = serializers.IntegerField(help_text=_("Charged this month."))
    measured = serializers.IntegerField(help_text=_("With a ratio: an income declared."))
    no_income = serializers.IntegerField(help_text=_("Without one: counted apart, never guessed."))
    overburdened = serializers.IntegerField()
    overburden_rate = RatioField(
        allow_null=True, help_text=_("Share of the measured households above 0.4 (Eurostat).")
    )
    overburden_rate_residents = RatioField(
        allow_null=True, help_text=_("The same as a share of their residents.")
    )
    median_ratio = RatioField(allow_null=True)
    thirty_rule_rate = RatioField(allow_null=True)
    severe_rate = RatioField(allow_null=True)
    at_risk_rate = RatioField(allow_null=True)
    residents = serializers.IntegerField()
    overburdened_residents = serializers.IntegerField()


class HistogramBinSerializer(serializers.Serializer):
    label = serializers.CharField()
    lower = RatioField(allow_null=True, help_text=_("Above this ratio (none: no income)."))
    upper = RatioField(allow_null=True, help_text=_("Up to this one (none: open-ended)."))
    count = serializers.IntegerField()


class ProjectAffordabilitySerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    currency = serializers.CharField(source="project.city.currency")
    start = serializers.DateField()
    until = serializers.DateField()
    poverty_line_annual_cents = serializers.IntegerField(
        allow_null=True, help_text=_("The national median equivalised income, per year.")
    )
    months = MonthFiguresSerializer(many=True)
    latest_month = serializers.DateField(
        allow_null=True, help_text=_("The latest month with charges: the rows and histogram.")
    )
    histogram = HistogramBinSerializer(many=True)
    households = HouseholdFiguresSerializer(many=True, source="latest_rows")


class HouseholdAffordabilitySerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk")
    unit_label = serializers.CharField(source="household.unit_label")
    project = serializers.IntegerField(source="household.project_id")
    currency = serializers.CharField(source="household.project.city.currency")
    start = serializers.DateField()
    until = serializers.DateField()
    months = HouseholdFiguresSerializer(many=True, source="rows")


class ProjectAffordabilityApi(APIView):
    permission_classes = AUTHENTICATED

    @extend_schema(
        operation_id="projects_affordability",
        parameters=[AffordabilityQuery],
        responses={200: ProjectAffordabilitySerializer, 400: BAD_INPUT, 404: UNKNOWN},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Managers: the project's affordability month by month (overburden rate, median
        ratio, 30 % rule, poverty risk), and each household's figures and the histogram of the
        latest month charged; one income access log entry per household shown."""
        project = managed_project_or_404(user=request.user, pk=pk)
        query = AffordabilityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = project_affordability(project=project, **query.validated_data)
        income_declarations_read(
            user=request.user,
            via="api",
            households=[row.household for row in figures.latest_rows],
            detail={"view": "affordability"},
        )
        return Response(ProjectAffordabilitySerializer(figures).data)


class HouseholdAffordabilityApi(APIView):
    permission_classes = AUTHENTICATED

    @extend_schema(
        operation_id="households_affordability",
        parameters=[AffordabilityQuery],
        responses={200: HouseholdAffordabilitySerializer, 400: BAD_INPUT, 404: UNKNOWN},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The household's own figures for each month it was charged: for the household
        itself and its project's managers (whose look is logged)."""
        household = household_or_404(user=request.user, pk=pk)
        query = AffordabilityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        series = household_affordability(household=household, **query.validated_data)
        if series.rows:
            income_declarations_read(
                user=request.user,
                via="api",
                households=[household],
                detail={"view": "affordability"},
            )
        return Response(HouseholdAffordabilitySerializer(series).data)
