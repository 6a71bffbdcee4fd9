"""The contributions API (DESIGN.md §6): budgets, schemes, charges, payments, balances,
statements and affordability.

The views only adapt HTTP: the community services judge every rule and raise ``ValidationError``
(→ 400 with the field as the service names it: ``parameters.floor_cents``, ``lines.0.amount_cents``,
``valid_from`` for a period where another scheme is in force, ``file`` with the row numbers of a
bad bank statement) or ``Conflict`` (→ 409: a scheme that is no longer a draft, a charged month's
budget). Nothing is written on an error: every request is one transaction.

Who sees what (DESIGN.md §1: a household's money is the household's and its managers'):

- budgets and schemes: the project's managers and residents (the shared costs are everyone's
  business); managers write them;
- charges, payments and statements: the household itself and its project's managers;
- charge runs, balances, arrears, simulations and a project's affordability: its managers only;
- a household's affordability: the household itself and its project's managers.

City officers, and users of other projects, get 404 for all of it; a resident asking to write
gets 403. A manager who sees a household's income (a charge's breakdown, a simulation row, an
affordability figure) leaves one entry per household in the income access log.

- ``/budgets/`` — list; ``POST`` sets a month's budget (its lines replace the old ones);
- ``/schemes/`` — list, create and edit drafts, ``adopt``, ``retire``; ``simulate`` and
  ``compare`` work out what each household would pay, without writing;
- ``/charges/`` — list; ``run`` charges a project's month (idempotent);
- ``/charge-runs/`` — list;
- ``/payments/`` — list, record one by hand, ``import`` a bank statement (CSV, ``dry_run``);
- ``/projects/{id}/balances/``, ``/projects/{id}/arrears/``, ``/projects/{id}/affordability/``;
- ``/households/{id}/statement/`` (JSON, or ``?format=csv``), ``/households/{id}/affordability/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import ISO_8601, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api.base import AUTHENTICATED, ServiceMixin
from api.common import BAD_INPUT, DIGITS, REFUSED, UNKNOWN, CsvRenderer, restrict_related
from api.filters import IdFilter
from api.permissions import CanManageProject
from common.csv_export import statement_csv_response
from community.bookings.selectors.spaces import space_project_list_for_user
from community.models import (
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetStatus,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
    PaymentSource,
    SchemeMethod,
    SchemeStatus,
)
from community.money.contribution_methods import METHOD_LABELS, Method
from community.money.selectors.affordability import (
    MAX_MONTHS,
    household_affordability,
    project_affordability,
)
from community.money.selectors.contributions import (
    arrears_list,
    budget_list_for_user,
    charge_list_for_user,
    charge_run_list_for_user,
    household_balances,
    household_statement,
    payment_list_for_user,
    scheme_list_for_user,
)
from community.money.selectors.simulation import scheme_simulate, schemes_compare
from community.money.services.contributions import (
    ImportResult,
    budget_set,
    charges_run,
    payment_record,
    payments_import_csv,
    scheme_adopt,
    scheme_create,
    scheme_retire,
    scheme_update,
)
from governance.models import Proposal
from governance.selectors.proposals import proposal_list_for_user
from members.models import Household, HousingProject, IncomeAccess
from members.selectors import (
    AnyUser,
    household_list_for_user,
    managed_project_list,
)
from members.services import income_access_record

# A bank statement of MAX_IMPORT_ROWS rows is far below this; a larger upload is refused
# before it is read.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
STATEMENT_MONTHS = 12  # a statement covers the last twelve months unless told otherwise

CONFLICT = OpenApiResponse(description=_("The scheme's or the month's state does not allow this."))

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


# --- Shared fields and helpers ---------------------------------------------------------------


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


def _project_today(project: HousingProject) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(project.city.time_zone))


def member_project_or_404(*, user: AnyUser, pk: int) -> HousingProject:
    """A project the user lives in or manages; 404 for any other (a city officer's included:
    an officer sees indicators, never a household's money)."""
    return get_object_or_404(space_project_list_for_user(user=user).select_related("city"), pk=pk)


def managed_project_or_404(*, user: AnyUser, pk: int) -> HousingProject:
    """A project the user manages; 404 for any other, its residents' included: what follows
    shows every household's money."""
    return get_object_or_404(managed_project_list(user=user).select_related("city"), pk=pk)


def household_or_404(*, user: AnyUser, pk: int) -> Household:
    """The user's own household, or one of a project they manage; else 404."""
    return get_object_or_404(household_list_for_user(user=user), pk=pk)


def record_income_views(*, user: AnyUser, households: Iterable[Household], view: str) -> None:
    """One income access log entry per household whose income a manager has just been shown
    (the user's own household is left out: one query, two when there is something to log)."""
    income_access_record(
        actor=user,
        action=IncomeAccess.VIEWED,
        households={household.pk: household for household in households}.values(),
        detail={"via": "api", "view": view},
    )


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


# --- Budgets ---------------------------------------------------------------------------------


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


# --- Schemes ---------------------------------------------------------------------------------


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
        record_income_views(
            user=request.user,
            households=[row.household for row in simulation.rows],
            view="simulation",
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
        record_income_views(
            user=request.user,
            households=[row.household for row in comparison.rows],
            view="comparison",
        )
        return Response(ComparisonSerializer(comparison).data)


# --- Charges and charge runs -----------------------------------------------------------------


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
        record_income_views(user=request.user, households=_income_shown(rows), view="charges")
        data = self.get_serializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        charge = self.get_object()
        record_income_views(user=request.user, households=_income_shown([charge]), view="charges")
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


# --- Payments --------------------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "enum": PaymentSource.values}, component_name="PaymentSourceEnum"
)
class PaymentSourceField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=PaymentSource.choices, **kwargs)


class PaymentSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="household.project_id", read_only=True)
    household_unit = serializers.CharField(source="household.unit_label", read_only=True)
    currency = serializers.CharField(source="household.project.city.currency", read_only=True)
    source = PaymentSourceField(read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "project",
            "household",
            "household_unit",
            "amount_cents",
            "currency",
            "paid_on",
            "reference",
            "payer_name",
            "source",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class HouseholdInput(serializers.Serializer):
    household = serializers.IntegerField(min_value=1)


class PaymentInput(HouseholdInput):
    amount_cents = serializers.IntegerField(help_text=_("More than zero."))
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=140, required=False, allow_blank=True, default="")
    payer_name = serializers.CharField(max_length=140, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PaymentImportInput(ProjectInput):
    file = serializers.FileField(
        help_text=_(
            "The bank statement as CSV: the first row names the columns date, amount and "
            "reference (and optionally name); commas, semicolons or tabs."
        )
    )
    dry_run = serializers.BooleanField(
        default=False, help_text=_("Check and match every row, write nothing.")
    )

    def validate_file(self, file: Any) -> Any:
        if file.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES >> 20}
            )
        return file


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("The row's line in the file (the header is 1)."))
    paid_on = serializers.DateField()
    amount_cents = serializers.IntegerField()
    reference = serializers.CharField()
    payer_name = serializers.CharField()
    household = serializers.IntegerField(source="household.pk")
    household_unit = serializers.CharField(source="household.unit_label")


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    count = serializers.SerializerMethodField()
    total_cents = serializers.IntegerField()
    currency = serializers.SerializerMethodField()
    rows = ImportRowSerializer(many=True)
    payments = serializers.SerializerMethodField(
        help_text=_("The payments recorded (none on a dry run).")
    )

    def get_count(self, result: ImportResult) -> int:
        return len(result.rows)

    def get_currency(self, result: ImportResult) -> str:
        return self.context["project"].city.currency

    def get_payments(self, result: ImportResult) -> list[int]:
        return [payment.pk for payment in result.payments]


class PaymentFilter(django_filters.FilterSet):
    project = IdFilter(field_name="household__project_id")
    household = IdFilter(field_name="household_id")
    paid_on = django_filters.DateFromToRangeFilter()
    source = django_filters.ChoiceFilter(choices=PaymentSource.choices)

    class Meta:
        model = Payment
        fields = ["project", "household", "paid_on", "source"]


class PaymentViewSet(
    WritesOfManagers,
    ServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Payments: a household sees its own, a manager those of their projects and records them,
    by hand or from a bank statement."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = DIGITS
    selector = payment_list_for_user

    def scope_of(self, instance: Payment) -> Household:
        return instance.household

    @extend_schema(
        request=PaymentInput,
        responses={201: PaymentSerializer, 400: BAD_INPUT, 403: REFUSED, 404: UNKNOWN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A manager records a payment made by hand (cash, a transfer seen on the account)."""
        # The household first, as the project of the other writes: 404, then 403, then 400.
        named = HouseholdInput(data=request.data)
        named.is_valid(raise_exception=True)
        household = household_or_404(user=request.user, pk=named.validated_data["household"])
        self.check_permission(CanManageProject, household)
        data = PaymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("household")
        payment = payment_record(household=household, recorded_by=request.user, **fields)
        payment = self.get_queryset().get(pk=payment.pk)
        return Response(self.get_serializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": PaymentImportInput},
        responses={
            200: OpenApiResponse(ImportResultSerializer, description=_("A dry run.")),
            201: ImportResultSerializer,
            400: OpenApiResponse(
                description=_("A bad file: ``file`` lists every bad row by its line number.")
            ),
            403: REFUSED,
            404: UNKNOWN,
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[],
        pagination_class=None,
    )
    def import_csv(self, request: Request) -> Response:
        """A manager imports the credit rows of a bank statement as payments, each matched to a
        household by its payment reference. All or nothing: one bad, unmatched or already
        imported row refuses the file (400, each such row by its line number). ``dry_run``
        checks and matches without writing."""
        project = self.project_to_manage(request)
        data = PaymentImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = payments_import_csv(
            project=project,
            file=data.validated_data["file"],
            dry_run=data.validated_data["dry_run"],
            recorded_by=request.user,
        )
        body = ImportResultSerializer(result, context={"project": project}).data
        return Response(body, status=status.HTTP_200_OK if result.dry_run else 201)


# --- Balances and arrears --------------------------------------------------------------------


class BalanceRowSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="pk")
    unit_label = serializers.CharField()
    charged_cents = serializers.IntegerField()
    paid_cents = serializers.IntegerField()
    balance_cents = serializers.IntegerField(
        help_text=_("Charges − payments: above zero the household owes, below it paid ahead.")
    )


class BalancesSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    currency = serializers.CharField(source="project.city.currency")
    charged_cents = serializers.IntegerField()
    paid_cents = serializers.IntegerField()
    balance_cents = serializers.IntegerField()
    households = BalanceRowSerializer(many=True)


class ProjectBalancesApi(APIView):
    permission_classes = AUTHENTICATED

    @extend_schema(
        operation_id="projects_balances", responses={200: BalancesSerializer, 404: UNKNOWN}
    )
    def get(self, request: Request, pk: int) -> Response:
        """Managers: what each household was charged and paid, and owes, since it moved in."""
        project = managed_project_or_404(user=request.user, pk=pk)
        households = list(household_balances(project=project))
        body = {
            "project": project,
            "charged_cents": sum(row.charged_cents for row in households),
            "paid_cents": sum(row.paid_cents for row in households),
            "balance_cents": sum(row.balance_cents for row in households),
            "households": households,
        }
        return Response(BalancesSerializer(body).data)


class ArrearsQuery(serializers.Serializer):
    min_amount_cents = serializers.IntegerField(
        min_value=1, default=1, help_text=_("Owing at least this much.")
    )
    min_months = serializers.IntegerField(
        min_value=0,
        max_value=1200,
        default=0,
        help_text=_("For at least this many charged months."),
    )


class ArrearsRowSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk")
    unit_label = serializers.CharField(source="household.unit_label")
    balance_cents = serializers.IntegerField()
    months_in_arrears = serializers.IntegerField(
        help_text=_("Charged months the payments do not cover, the oldest settled first.")
    )
    oldest_unpaid_month = serializers.DateField(allow_null=True)


class ArrearsSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    currency = serializers.CharField(source="project.city.currency")
    households = ArrearsRowSerializer(many=True)


class ProjectArrearsApi(APIView):
    permission_classes = AUTHENTICATED

    @extend_schema(
        operation_id="projects_arrears",
        parameters=[ArrearsQuery],
        responses={200: ArrearsSerializer, 400: BAD_INPUT, 404: UNKNOWN},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Managers: the households in arrears, the largest debt first."""
        project = managed_project_or_404(user=request.user, pk=pk)
        query = ArrearsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = arrears_list(project=project, **query.validated_data)
        return Response(ArrearsSerializer({"project": project, "households": rows}).data)


# --- Statements ------------------------------------------------------------------------------


class StatementQuery(serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text=_("From this day; by default twelve months back.")
    )
    end = serializers.DateField(required=False, help_text=_("To this day; by default today."))

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end < start:
            raise ValidationError({"end": [_("The end cannot come before the start.")]})
        return attrs


class StatementLineSerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    kind = serializers.ChoiceField(choices=[("charge", _("charge")), ("payment", _("payment"))])
    description = serializers.SerializerMethodField()
    charge_cents = serializers.IntegerField()
    payment_cents = serializers.IntegerField()
    balance_cents = serializers.IntegerField(help_text=_("After this line."))
    charge = serializers.IntegerField(source="charge.pk", allow_null=True, default=None)
    payment = serializers.IntegerField(source="payment.pk", allow_null=True, default=None)

    def get_description(self, line) -> str:
        return line.description


class StatementSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk")
    unit_label = serializers.CharField(source="household.unit_label")
    project = serializers.IntegerField(source="household.project_id")
    currency = serializers.CharField(source="household.project.city.currency")
    start = serializers.DateField()
    end = serializers.DateField()
    opening_balance_cents = serializers.IntegerField()
    charged_cents = serializers.IntegerField()
    paid_cents = serializers.IntegerField()
    closing_balance_cents = serializers.IntegerField()
    lines = StatementLineSerializer(many=True)


class HouseholdStatementApi(APIView):
    permission_classes = AUTHENTICATED
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="households_statement",
        parameters=[StatementQuery],
        responses={
            (200, "application/json"): StatementSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: BAD_INPUT,
            404: UNKNOWN,
        },
    )
    def get(self, request: Request, pk: int) -> Response | HttpResponse:
        """The household's charges and payments over a period with the running balance, after
        the balance brought forward; ``?format=csv`` for a spreadsheet. The household itself and
        its project's managers."""
        household = household_or_404(user=request.user, pk=pk)
        query = StatementQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        end = query.validated_data.get("end") or _project_today(household.project)
        start = query.validated_data.get("start")
        if start is None:
            year, month = divmod(end.year * 12 + end.month - 1 - (STATEMENT_MONTHS - 1), 12)
            start = min(dt.date(year, month + 1, 1), end)
        statement = household_statement(household=household, start=start, end=end)
        if request.accepted_renderer.format == "csv":
            return statement_csv_response(statement)
        return Response(StatementSerializer(statement).data)


# --- Affordability ---------------------------------------------------------------------------


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
        record_income_views(
            user=request.user,
            households=[row.household for row in figures.latest_rows],
            view="affordability",
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
            record_income_views(user=request.user, households=[household], view="affordability")
        return Response(HouseholdAffordabilitySerializer(series).data)


# (prefix, viewset, basename) for the router, and extra paths before it.
routes: list[tuple[str, type, str]] = [
    ("budgets", BudgetViewSet, "budget"),
    ("schemes", SchemeViewSet, "scheme"),
    ("charges", ChargeViewSet, "charge"),
    ("charge-runs", ChargeRunViewSet, "charge-run"),
    ("payments", PaymentViewSet, "payment"),
]
urlpatterns: list = [
    path("projects/<int:pk>/balances/", ProjectBalancesApi.as_view(), name="project-balances"),
    path("projects/<int:pk>/arrears/", ProjectArrearsApi.as_view(), name="project-arrears"),
    path(
        "projects/<int:pk>/affordability/",
        ProjectAffordabilityApi.as_view(),
        name="project-affordability",
    ),
    path(
        "households/<int:pk>/affordability/",
        HouseholdAffordabilityApi.as_view(),
        name="household-affordability",
    ),
    path(
        "households/<int:pk>/statement/",
        HouseholdStatementApi.as_view(),
        name="household-statement",
    ),
]

__all__ = [
    "BudgetViewSet",
    "ChargeRunViewSet",
    "ChargeViewSet",
    "PaymentViewSet",
    "SchemeViewSet",
    "routes",
    "urlpatterns",
]
