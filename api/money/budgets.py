"""A project's monthly budgets: everyone in the project reads them, its managers set them."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin
from api.common import DIGITS
from api.filters import IdFilter
from api.money.base import MonthField, ProjectInput, WritesOfManagers
from api.schema import BAD_INPUT, REFUSED
from community.money.models import Budget, BudgetCategory, BudgetLine, BudgetStatus
from community.money.selectors.ledger import budget_list_for_user
from community.money.services.budgets import budget_set
from members.models import HousingProject


@extend_schema_field(
    {"type": "string", "enum": BudgetStatus.values}, component_name="BudgetStatusEnum"
)
class BudgetStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=BudgetStatus.choices, **kwargs)


class BudgetLineSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=BudgetCategory.choices)

    class Meta:
        model = BudgetLine
        fields = ["category", "label", "amount_cents"]


@extend_schema_field(BudgetLineSerializer(many=True))
class BudgetLinesField(serializers.JSONField):
    """The lines as given: the service checks each one and names it in its errors
    (``lines.0.amount_cents``)."""

    default_error_messages = {"not_a_list": _("Give the lines as a list.")}

    def to_internal_value(self, data: Any) -> Any:
        data = super().to_internal_value(data)
        if not isinstance(data, list):
            self.fail("not_a_list")
        return data


class BudgetSerializer(serializers.ModelSerializer):
    status = BudgetStatusField(read_only=True)
    lines = BudgetLineSerializer(many=True, read_only=True)
    total_cents = serializers.IntegerField(read_only=True)
    currency = serializers.CharField(source="project.city.currency", read_only=True)

    class Meta:
        model = Budget
        fields = [
            "id",
            "project",
            "month",
            "status",
            "note",
            "lines",
            "total_cents",
            "currency",
            "updated_at",
        ]
        read_only_fields = fields


class BudgetInput(ProjectInput):
    month = MonthField()
    lines = BudgetLinesField(help_text=_("Every line of the month; they replace the old ones."))
    status = BudgetStatusField(default=BudgetStatus.APPROVED)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BudgetFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    month = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Budget
        fields = ["project", "month", "status"]


class BudgetViewSet(
    WritesOfManagers,
    ServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly budgets of the projects the user lives in or manages, the latest month first."""

    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = DIGITS
    selector = budget_list_for_user

    def scope_of(self, instance: Budget) -> HousingProject:
        return instance.project

    def get_queryset(self) -> QuerySet[Budget]:
        # The lines' total groups the rows, and a grouped query drops the model's ordering.
        return super().get_queryset().order_by("-month", "project_id", "pk")

    @extend_schema(
        request=BudgetInput,
        responses={200: BudgetSerializer, 201: BudgetSerializer, 400: BAD_INPUT, 403: REFUSED},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A manager sets a month's budget: created (201), or replaced as a whole (200). A month
        already charged keeps its budget (409)."""
        project = self.project_to_manage(request)
        data = BudgetInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("project")
        existed = Budget.objects.filter(project=project, month=fields["month"]).exists()
        budget = budget_set(project=project, **fields)
        budget = self.get_queryset().get(pk=budget.pk)
        return Response(
            self.get_serializer(budget).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )
