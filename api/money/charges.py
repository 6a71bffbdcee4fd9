"""Charges, one per household and month, and the runs that make them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin
from api.common import DIGITS
from api.filters import IdFilter
from api.money.base import MonthField, ProjectInput, WritesOfManagers
from api.schema import BAD_INPUT, REFUSED, UNKNOWN
from community.money.models import Charge, ChargeRun
from community.money.selectors.ledger import charge_list_for_user, charge_run_list_for_user
from community.money.services.charges import charges_run
from members.models import Household, HousingProject
from members.selectors import income_declarations_read

# Keys of a charge's breakdown that tell a household's income (community.contributions lines).
INCOME_KEYS = frozenset(
    {
        "income_cents",
        "disposable_cents",
        "annual_income_cents",
        "adjusted_annual_cents",
        "adjusted_monthly_cents",
        "deductions",
        "candidates",
    }
)


class ChargeSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="household.project_id", read_only=True)
    household_unit = serializers.CharField(source="household.unit_label", read_only=True)
    scheme_name = serializers.CharField(source="scheme.name", read_only=True)
    currency = serializers.CharField(source="household.project.city.currency", read_only=True)
    breakdown = serializers.JSONField(
        read_only=True,
        help_text=_(
            "How the amount was worked out: the rule applied, the income and the rates used, "
            "the days lived in the month."
        ),
    )

    class Meta:
        model = Charge
        fields = [
            "id",
            "project",
            "household",
            "household_unit",
            "month",
            "amount_cents",
            "currency",
            "scheme",
            "scheme_name",
            "run",
            "breakdown",
            "created_at",
        ]
        read_only_fields = fields


class ChargeRunSerializer(serializers.ModelSerializer):
    scheme_name = serializers.CharField(
        source="scheme.name", read_only=True, default=None, allow_null=True
    )
    currency = serializers.CharField(source="project.city.currency", read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ChargeRun
        fields = [
            "id",
            "project",
            "month",
            "scheme",
            "scheme_name",
            "household_count",
            "total_cents",
            "budget_cents",
            "shortfall_cents",
            "surplus_cents",
            "currency",
            "warnings",
            "started_at",
            "finished_at",
            "triggered_by",
        ]
        read_only_fields = fields


class ChargeRunInput(ProjectInput):
    month = MonthField()


class ChargeFilter(django_filters.FilterSet):
    project = IdFilter(field_name="household__project_id")
    household = IdFilter(field_name="household_id")
    scheme = IdFilter(field_name="scheme_id")
    run = IdFilter(field_name="run_id")
    month = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Charge
        fields = ["project", "household", "scheme", "run", "month"]


def _income_shown(charges: Iterable[Charge]) -> list[Household]:
    return [charge.household for charge in charges if INCOME_KEYS & set(charge.breakdown or ())]


class ChargeViewSet(
    WritesOfManagers,
    ServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly charges: a household sees its own, a manager those of their projects (a
    breakdown telling a household's income is logged in the income access log)."""

    serializer_class = ChargeSerializer
    filterset_class = ChargeFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = DIGITS
    selector = charge_list_for_user

    def scope_of(self, instance: Charge) -> Household:
        return instance.household

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page
        income_declarations_read(
            user=request.user, via="api", households=_income_shown(rows), detail={"view": "charges"}
        )
        data = self.get_serializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        charge = self.get_object()
        income_declarations_read(
            user=request.user,
            via="api",
            households=_income_shown([charge]),
            detail={"view": "charges"},
        )
        return Response(self.get_serializer(charge).data)

    @extend_schema(
        request=ChargeRunInput,
        responses={
            200: OpenApiResponse(ChargeRunSerializer, description=_("Charged already.")),
            201: ChargeRunSerializer,
            400: BAD_INPUT,
            403: REFUSED,
            404: UNKNOWN,
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def run(self, request: Request) -> Response:
        """A manager charges every household of the project for the month, under the scheme in
        force and against the month's approved budget. Idempotent: a month charged already
        answers its run unchanged (200)."""
        project = self.project_to_manage(request)
        data = ChargeRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        month = data.validated_data["month"]
        existed = ChargeRun.objects.filter(project=project, month=month).exists()
        run = charges_run(project=project, month=month, triggered_by=request.user)
        run = charge_run_list_for_user(user=request.user).get(pk=run.pk)
        return Response(
            ChargeRunSerializer(run).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class ChargeRunFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    month = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ChargeRun
        fields = ["project", "month"]


class ChargeRunViewSet(
    ServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The monthly charge runs of the projects the user manages: totals against the budget,
    shortfall or surplus, and the warnings met."""

    serializer_class = ChargeRunSerializer
    filterset_class = ChargeRunFilter
    permission_classes = AUTHENTICATED
    lookup_value_regex = DIGITS
    selector = charge_run_list_for_user

    def scope_of(self, instance: ChargeRun) -> HousingProject:
        return instance.project
