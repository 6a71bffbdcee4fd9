"""What each household owes: a project's balances and arrears, a household's statement."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import AUTHENTICATED
from api.common import CsvRenderer
from api.money.base import household_or_404, managed_project_or_404, project_today
from api.schema import BAD_INPUT, UNKNOWN
from common.csv_export import statement_csv_response
from community.money.selectors.ledger import arrears_list, household_balances, household_statement
from community.money.services.statements import statement_export_record

STATEMENT_MONTHS = 12  # a statement covers the last twelve months unless told otherwise

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
        the balance brought forward; ``?format=csv`` for a spreadsheet (a manager's download is
        recorded in the audit log). The household itself and its project's managers."""
        household = household_or_404(user=request.user, pk=pk)
        query = StatementQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        end = query.validated_data.get("end") or project_today(household.project)
        start = query.validated_data.get("start")
        if start is None:
            year, month = divmod(end.year * 12 + end.month - 1 - (STATEMENT_MONTHS - 1), 12)
            start = min(dt.date(year, month + 1, 1), end)
        statement = household_statement(household=household, start=start, end=end)
        if request.accepted_renderer.format == "csv":
            statement_export_record(
                user=request.user, household=household, start=start, end=end, via="api"
            )
            return statement_csv_response(statement)
        return Response(StatementSerializer(statement).data)
