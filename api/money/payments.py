"""Payments: recorded by hand, or imported from a bank statement (CSV)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin
from api.common import DIGITS
from api.filters import IdFilter
from api.money.base import ProjectInput, WritesOfManagers, household_or_404
from api.permissions import CanManageProject
from api.schema import BAD_INPUT, REFUSED, UNKNOWN
from community.money.models import Payment, PaymentSource
from community.money.selectors.ledger import payment_list_for_user
from community.money.services.payments import ImportResult, payment_record, payments_import_csv
from members.models import Household

# A bank statement of MAX_IMPORT_ROWS rows is far below this; a larger upload is refused
# before it is read.
MAX_IMPORT_BYTES = 2 * 1024 * 1024


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
