"""Contribution schemes: drafts, adoption, retirement, and the simulation and comparison of
what each household would pay, without writing."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.base import AUTHENTICATED, ServiceMixin
from api.common import DIGITS, restrict_related
from api.filters import IdFilter
from api.money.base import (
    CONFLICT,
    MonthField,
    ProjectInput,
    RateField,
    RatioField,
    SchemeMethodField,
    WritesOfManagers,
)
from api.money.budgets import BudgetStatusField
from api.permissions import CanManageProject
from api.schema import BAD_INPUT, REFUSED, UNKNOWN
from community.money.contribution_parameters import METHOD_LABELS, Method
from community.money.models import Budget, ContributionScheme, SchemeMethod, SchemeStatus
from community.money.selectors.ledger import scheme_list_for_user
from community.money.selectors.simulation import scheme_simulate, schemes_compare
from community.money.services.schemes import (
    scheme_adopt,
    scheme_create,
    scheme_retire,
    scheme_update,
)
from governance.models import Proposal
from governance.selectors.proposals import proposal_list_for_user
from members.models import HousingProject
from members.selectors import income_declarations_read


@extend_schema_field(
    {"type": "string", "enum": SchemeStatus.values}, component_name="SchemeStatusEnum"
)
class SchemeStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=SchemeStatus.choices, **kwargs)


PARAMETERS_HELP = _(
    "The method's parameters (community.contributions): e.g. income_share "
    '{"rate_percent": "30", "floor_cents": 20000, "cap": "cost_share"}. Left out: the '
    "method's defaults (HUD's for greatest_of). Errors name the parameter: "
    "parameters.floor_cents."
)


class SchemeSerializer(serializers.ModelSerializer):
    method = SchemeMethodField(read_only=True)
    method_label = serializers.SerializerMethodField()
    status = SchemeStatusField(read_only=True)

    class Meta:
        model = ContributionScheme
        fields = [
            "id",
            "project",
            "name",
            "method",
            "method_label",
            "parameters",
            "valid_from",
            "valid_to",
            "status",
            "adopting_proposal",
            "adopted_by_decision",
            "created_at",
            "adopted_at",
            "retired_at",
        ]
        read_only_fields = fields

    def get_method_label(self, scheme: ContributionScheme) -> str:
        return str(METHOD_LABELS[Method(scheme.method)])


class SchemeChangeInput(serializers.Serializer):
    """A draft's fields; on an edit only those given change."""

    name = serializers.CharField(max_length=160)
    method = SchemeMethodField()
    parameters = serializers.JSONField(required=False, allow_null=True, help_text=PARAMETERS_HELP)
    valid_from = serializers.DateField(help_text=_("The first day of a month."))
    valid_to = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("The last day of a month; none while it has no end."),
    )
    adopting_proposal = serializers.PrimaryKeyRelatedField(
        queryset=Proposal.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("The proposal whose passing adopts the scheme."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, adopting_proposal=proposal_list_for_user)


class SchemeInput(ProjectInput, SchemeChangeInput):
    pass


class RetireInput(serializers.Serializer):
    valid_to = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "The last day it applies (the last day of a month); by default the end of the "
            "last month charged under it."
        ),
    )


# Simulating and comparing schemes --------------------------------------------------------


class SchemeChoiceInput(serializers.Serializer):
    """A scheme to work out: an existing one of the project, or a method with its parameters."""

    scheme = serializers.PrimaryKeyRelatedField(
        queryset=ContributionScheme.objects.none(),
        required=False,
        allow_null=True,
        help_text=_(
            "A scheme of the project (a draft, the one in force …): its method and parameters."
        ),
    )
    method = SchemeMethodField(required=False)
    parameters = serializers.JSONField(required=False, allow_null=True, help_text=PARAMETERS_HELP)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request, project = self.context.get("request"), self.context.get("project")
        if request is not None and project is not None:
            self.fields["scheme"].queryset = scheme_list_for_user(user=request.user).filter(
                project=project
            )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("scheme") is not None:
            if "method" in attrs or "parameters" in attrs:
                raise ValidationError(
                    {"scheme": [_("Give a scheme, or a method and its parameters: not both.")]}
                )
        elif "method" not in attrs:
            raise ValidationError({"method": [_("Give a method, or a scheme to take it from.")]})
        return attrs

    def chosen(self) -> tuple[str, Any]:
        """(method, parameters); parameters None: the method's defaults."""
        scheme = self.validated_data.get("scheme")
        if scheme is not None:
            return scheme.method, scheme.parameters
        return self.validated_data["method"], self.validated_data.get("parameters")


MONTH_HELP = _(
    "The month whose households are charged (2025-07); by default next month. Its budget, or "
    "the latest before it."
)


class MonthInput(serializers.Serializer):
    month = MonthField(required=False, help_text=MONTH_HELP)


class SimulateInput(ProjectInput, SchemeChoiceInput):
    month = MonthField(required=False, help_text=MONTH_HELP)


class CompareInput(ProjectInput):
    """Documents the request; each scheme is read with ``SchemeChoiceInput`` so that its errors
    are keyed like the selector's: ``first.method``, ``second.parameters.floor_cents``."""

    month = MonthField(required=False, help_text=MONTH_HELP)
    first = SchemeChoiceInput()
    second = SchemeChoiceInput()


def _flat_errors(errors: dict, prefix: str) -> dict[str, Any]:
    """A nested serializer's errors keyed as the services key theirs: ``first.method``."""
    flat = {}
    for key, messages in errors.items():
        whole = key == api_settings.NON_FIELD_ERRORS_KEY
        flat[prefix.rstrip(".") if whole else f"{prefix}{key}"] = messages
    return flat


class BudgetUsedSerializer(serializers.ModelSerializer):
    status = BudgetStatusField(read_only=True)
    total_cents = serializers.IntegerField(read_only=True)

    class Meta:
        model = Budget
        fields = ["id", "month", "status", "total_cents"]
        read_only_fields = fields


class SimulationRowSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk")
    unit_label = serializers.CharField(source="household.unit_label")
    amount_cents = serializers.IntegerField(help_text=_("This month's, a part month prorated."))
    full_month_cents = serializers.IntegerField()
    days = serializers.IntegerField(help_text=_("Days lived in the month."))
    days_in_month = serializers.IntegerField()
    current_cents = serializers.IntegerField(
        allow_null=True, help_text=_("Under the scheme in force; none without one.")
    )
    change_cents = serializers.IntegerField(allow_null=True)
    disposable_cents = serializers.IntegerField(
        allow_null=True, help_text=_("None: no income declaration valid that month.")
    )
    utilities_cents = serializers.IntegerField()
    housing_allowance_cents = serializers.IntegerField()
    ratio = RatioField(
        allow_null=True,
        help_text=_("Housing cost ratio with this amount (Eurostat; overburdened above 0.4)."),
    )
    overburdened = serializers.BooleanField(allow_null=True)
    current_ratio = RatioField(allow_null=True)
    current_overburdened = serializers.BooleanField(allow_null=True)
    breakdown = serializers.JSONField(source="line", help_text=_("How the amount is worked out."))


class SimulationSummarySerializer(serializers.Serializer):
    method = SchemeMethodField()
    method_label = serializers.SerializerMethodField()
    parameters = serializers.JSONField(help_text=_("Normalised: every default filled in."))
    budget = BudgetUsedSerializer()
    total_cents = serializers.IntegerField()
    budget_cents = serializers.IntegerField()
    shortfall_cents = serializers.IntegerField()
    surplus_cents = serializers.IntegerField()
    rate = RateField(allow_null=True, help_text=_("Solidarity: the rate applied to incomes."))
    overburdened_count = serializers.IntegerField()
    median_ratio = RatioField(allow_null=True)
    missing_income_count = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())
    current_source = serializers.ChoiceField(
        choices=[("charges", _("charges")), ("computed", _("computed"))],
        allow_null=True,
        help_text=_(
            "What the current amounts are: the month's charges, the scheme in force worked out "
            "on the same month, or none (no scheme in force)."
        ),
    )
    current_total_cents = serializers.IntegerField(allow_null=True)
    current_overburdened_count = serializers.IntegerField(allow_null=True)
    current_median_ratio = RatioField(allow_null=True)

    def get_method_label(self, simulation) -> str:
        return str(METHOD_LABELS[Method(simulation.method)])


class SchemeInForceSerializer(serializers.ModelSerializer):
    method = SchemeMethodField(read_only=True)

    class Meta:
        model = ContributionScheme
        fields = ["id", "name", "method", "valid_from", "valid_to"]
        read_only_fields = fields


class SimulationSerializer(SimulationSummarySerializer):
    project = serializers.IntegerField(source="project.pk")
    month = serializers.DateField()
    currency = serializers.CharField(source="project.city.currency")
    scheme_in_force = SchemeInForceSerializer(allow_null=True)
    rows = SimulationRowSerializer(many=True)


class CompareRowSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk")
    unit_label = serializers.CharField(source="household.unit_label")
    current_cents = serializers.IntegerField(allow_null=True)
    first_cents = serializers.IntegerField()
    second_cents = serializers.IntegerField()
    difference_cents = serializers.IntegerField(help_text=_("Second − first."))
    first_ratio = RatioField(allow_null=True)
    second_ratio = RatioField(allow_null=True)
    first_overburdened = serializers.BooleanField(allow_null=True)
    second_overburdened = serializers.BooleanField(allow_null=True)


class ComparisonSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="first.project.pk")
    month = serializers.DateField()
    currency = serializers.CharField(source="first.project.city.currency")
    scheme_in_force = SchemeInForceSerializer(source="first.scheme_in_force", allow_null=True)
    first = SimulationSummarySerializer()
    second = SimulationSummarySerializer()
    difference_cents = serializers.IntegerField(help_text=_("Second total − first total."))
    rows = CompareRowSerializer(many=True)


class SchemeFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    status = django_filters.ChoiceFilter(choices=SchemeStatus.choices)
    method = django_filters.ChoiceFilter(choices=SchemeMethod.choices)

    class Meta:
        model = ContributionScheme
        fields = ["project", "status", "method"]


class SchemeViewSet(
    WritesOfManagers,
    ServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Contribution schemes: managers see and write all of their projects'; residents read
    their project's adopted and retired schemes and the drafts put to their vote."""

    serializer_class = SchemeSerializer
    filterset_class = SchemeFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = DIGITS
    selector = scheme_list_for_user

    def scope_of(self, instance: ContributionScheme) -> HousingProject:
        return instance.project

    def _managed_scheme(self) -> ContributionScheme:
        scheme = self.get_object()
        self.check_permission(CanManageProject, scheme.project)
        return scheme

    def _shown(self, scheme: ContributionScheme, code: int = status.HTTP_200_OK) -> Response:
        scheme = self.get_queryset().get(pk=scheme.pk)
        return Response(self.get_serializer(scheme).data, status=code)

    @extend_schema(
        request=SchemeInput, responses={201: SchemeSerializer, 400: BAD_INPUT, 403: REFUSED}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A manager drafts a scheme; it applies only once adopted."""
        project = self.project_to_manage(request)
        data = SchemeInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("project")
        scheme = scheme_create(project=project, created_by=request.user, **fields)
        return self._shown(scheme, status.HTTP_201_CREATED)

    @extend_schema(
        request=SchemeChangeInput,
        responses={200: SchemeSerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A manager edits a draft (409 once adopted)."""
        scheme = self._managed_scheme()
        data = SchemeChangeInput(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        return self._shown(scheme_update(scheme=scheme, **data.validated_data))

    @extend_schema(
        request=None,
        responses={200: SchemeSerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def adopt(self, request: Request, pk: str | None = None) -> Response:
        """A manager puts a draft in force over its period: refused on ``valid_from`` when
        another scheme is in force on a day of it, or a month of it has been charged."""
        scheme = self._managed_scheme()
        return self._shown(scheme_adopt(scheme=scheme, adopted_by=request.user))

    @extend_schema(
        request=RetireInput,
        responses={200: SchemeSerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str | None = None) -> Response:
        """A manager ends an adopted scheme; the months charged under it keep it."""
        scheme = self._managed_scheme()
        data = RetireInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._shown(scheme_retire(scheme=scheme, **data.validated_data))

    @extend_schema(
        request=SimulateInput,
        responses={200: SimulationSerializer, 400: BAD_INPUT, 403: REFUSED, 404: UNKNOWN},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def simulate(self, request: Request) -> Response:
        """A manager works out what a scheme (a method and its parameters, or a scheme of the
        project) would charge each household in a month, against the month's budget, beside
        what the scheme in force charges, with each household's housing cost ratio. Nothing
        is written but the income access log: one entry per household shown."""
        project = self.project_to_manage(request)
        data = SimulateInput(data=request.data, context={"request": request, "project": project})
        data.is_valid(raise_exception=True)
        method, parameters = data.chosen()
        simulation = scheme_simulate(
            project=project,
            method=method,
            parameters=parameters,
            month=data.validated_data.get("month"),
        )
        income_declarations_read(
            user=request.user,
            via="api",
            households=[row.household for row in simulation.rows],
            detail={"view": "simulation"},
        )
        return Response(SimulationSerializer(simulation).data)

    @extend_schema(
        request=CompareInput,
        responses={200: ComparisonSerializer, 400: BAD_INPUT, 403: REFUSED, 404: UNKNOWN},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def compare(self, request: Request) -> Response:
        """Two schemes worked out side by side on the same month's households and budget: each
        household's amount under both, the difference and both housing cost ratios. Errors
        are keyed ``first.…`` and ``second.…``."""
        project = self.project_to_manage(request)
        context = {"request": request, "project": project}
        month = MonthInput(data=request.data)
        errors = {} if month.is_valid() else dict(month.errors)
        chosen = []
        for prefix in ("first", "second"):
            raw = request.data.get(prefix)
            if raw is None:
                errors[prefix] = [gettext("Give a scheme, or a method and its parameters.")]
                continue
            part = SchemeChoiceInput(data=raw, context=context)
            if part.is_valid():
                chosen.append(part.chosen())
            else:
                errors.update(_flat_errors(part.errors, f"{prefix}."))
        if errors:
            raise ValidationError(errors)
        comparison = schemes_compare(
            project=project,
            first=chosen[0],
            second=chosen[1],
            month=month.validated_data.get("month"),
        )
        income_declarations_read(
            user=request.user,
            via="api",
            households=[row.household for row in comparison.rows],
            detail={"view": "comparison"},
        )
        return Response(ComparisonSerializer(comparison).data)
