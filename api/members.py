"""Households, residents, income declarations and invitations."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import AUTHENTICATED, AppendOnlyViewSet, ServiceViewSet
from api.common import restrict_related
from api.filters import IdFilter
from api.permissions import CanEditHouseholdMembers, CanManageProject
from members import selectors, services
from members.models import (
    EvidenceStatus,
    Household,
    IncomeDeclaration,
    Invitation,
    Resident,
)

# --- Households --------------------------------------------------------------------------


class HouseholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = ["id", "project", "unit_label", "unit_area_m2", "rooms", "move_in", "move_out"]
        # Uniqueness is checked by the service, with the field named in its error.
        validators: list = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, project=selectors.project_list_for_user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["project"].read_only = True


class HouseholdFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    unit_label = django_filters.CharFilter(lookup_expr="iexact")
    current = django_filters.BooleanFilter(method="filter_current", label=_("living there now"))

    class Meta:
        model = Household
        fields = ["project", "unit_label", "current"]

    def filter_current(self, queryset, name, value):
        today = timezone.localdate()
        current = queryset.filter(move_in__lte=today).exclude(move_out__lt=today)
        return current if value else queryset.exclude(pk__in=current.values("pk"))


class HouseholdViewSet(ServiceViewSet):
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter
    permission_classes = [*AUTHENTICATED, CanManageProject]
    selector = selectors.household_list_for_user
    create_service = services.household_create
    update_service = services.household_update
    scope_field = "project"
    instance_kwarg = "household"

    def scope_of(self, instance: Household):
        return instance


# --- Residents ---------------------------------------------------------------------------


class ResidentSerializer(serializers.ModelSerializer):
    inclusion_consent = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text=_("Whether the resident consents to storing their inclusion data."),
    )
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            "first_name",
            "last_name",
            "birth_year",
            "is_representative",
            "has_account",
            "inclusion_consent",
            "inclusion_consent_at",
            "gender",
            "migrant_background",
        ]
        read_only_fields = ["inclusion_consent_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, household=selectors.household_list_for_user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["household"].read_only = True

    def get_has_account(self, resident: Resident) -> bool:
        return resident.user_id is not None


class ResidentFilter(django_filters.FilterSet):
    household = IdFilter(field_name="household_id")
    project = IdFilter(field_name="household__project_id")

    class Meta:
        model = Resident
        fields = ["household", "project", "is_representative"]


class ResidentViewSet(ServiceViewSet):
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilter
    permission_classes = [*AUTHENTICATED, CanEditHouseholdMembers]
    selector = selectors.resident_list_for_user
    create_service = services.resident_create
    update_service = services.resident_update
    scope_field = "household"
    instance_kwarg = "resident"

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        """A manager removes a resident who moved out: their personal data is erased or
        anonymised, their account closed; votes, decisions, charges and payments stay."""
        resident = self.get_object()
        self.check_permission(CanManageProject, resident.household)
        services.resident_erase(resident=resident, erased_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Income declarations -----------------------------------------------------------------


class IncomeDeclarationSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(source="household.project.city.currency", read_only=True)
    # Every status is read; a declaration states only none or submitted, as verifying is a
    # manager's separate action (``verify``).
    evidence_status = serializers.ChoiceField(
        choices=EvidenceStatus.choices, default=EvidenceStatus.NONE
    )

    class Meta:
        model = IncomeDeclaration
        fields = [
            "id",
            "household",
            "valid_from",
            "gross_monthly_cents",
            "disposable_monthly_cents",
            "housing_allowance_cents",
            "medical_costs_cents",
            "childcare_costs_cents",
            "elderly_or_disabled",
            "currency",
            "evidence_status",
            "declared_by",
            "declared_at",
            "verified_by",
            "verified_at",
        ]
        read_only_fields = ["declared_by", "declared_at", "verified_by", "verified_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, household=selectors.household_list_for_user)

    def validate_evidence_status(self, value: str) -> str:
        if value not in (EvidenceStatus.NONE, EvidenceStatus.SUBMITTED):
            raise serializers.ValidationError(
                _("A declaration is sent without evidence or with evidence submitted.")
            )
        return value


class IncomeVerificationSerializer(serializers.Serializer):
    evidence_status = serializers.ChoiceField(
        choices=[EvidenceStatus.VERIFIED, EvidenceStatus.REJECTED], default=EvidenceStatus.VERIFIED
    )


class IncomeDeclarationFilter(django_filters.FilterSet):
    household = IdFilter(field_name="household_id")
    project = IdFilter(field_name="household__project_id")
    valid_from = django_filters.DateFromToRangeFilter()

    class Meta:
        model = IncomeDeclaration
        fields = ["household", "project", "evidence_status", "valid_from"]


class IncomeDeclarationViewSet(AppendOnlyViewSet):
    """Declarations are history: they are added and verified, never edited.

    Whoever reads incomes of a household they do not live in (its project's managers) leaves an
    entry per household in the income access log; the household reading its own leaves none.
    """

    serializer_class = IncomeDeclarationSerializer
    filterset_class = IncomeDeclarationFilter
    permission_classes = [*AUTHENTICATED, CanEditHouseholdMembers]
    http_method_names = ["get", "post", "head", "options"]
    selector = selectors.income_declaration_list_for_user
    create_service = services.income_declaration_create
    scope_field = "household"

    def service_arguments(self) -> dict:
        return {"declared_by": self.request.user}

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        # Whether the reader lives in the declaring household, in the same query as the rows.
        own = selectors.own_household_ids(user=self.request.user)
        return queryset.annotate(
            read_by_own_household=Exists(own.filter(household_id=OuterRef("household_id")))
        )

    def _record_views(self, declarations) -> None:
        selectors.income_declarations_read(
            user=self.request.user,
            via="api",
            declarations=[d for d in declarations if not d.read_by_own_household],
            own_left_out=True,
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page
        self._record_views(rows)
        data = self.get_serializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        declaration = self.get_object()
        self._record_views([declaration])
        return Response(self.get_serializer(declaration).data)

    @extend_schema(request=IncomeVerificationSerializer, responses=IncomeDeclarationSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """A manager marks the evidence of a declaration as verified or rejected."""
        declaration = self.get_object()
        self.check_permission(CanManageProject, declaration.household)
        data = IncomeVerificationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = services.income_declaration_verify(
            declaration=declaration, verified_by=request.user, **data.validated_data
        )
        return Response(self.get_serializer(declaration).data)


# --- Invitations -------------------------------------------------------------------------


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "household",
            "resident",
            "email",
            "language",
            "status",
            "created_at",
            "expires_at",
            "sent_at",
            "accepted_at",
            "cancelled_at",
        ]
        read_only_fields = [
            "created_at",
            "expires_at",
            "sent_at",
            "accepted_at",
            "cancelled_at",
        ]
        validators: list = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(
            self,
            household=selectors.household_list_for_user,
            resident=selectors.resident_list_for_user,
        )
        self.fields["language"].required = False

    def get_status(self, invitation: Invitation) -> str:
        if invitation.accepted_at:
            return "accepted"
        if invitation.cancelled_at:
            return "cancelled"
        return "pending" if invitation.is_pending else "expired"


class InvitationFilter(django_filters.FilterSet):
    household = IdFilter(field_name="household_id")
    project = IdFilter(field_name="household__project_id")

    class Meta:
        model = Invitation
        fields = ["household", "project"]


class InvitationViewSet(AppendOnlyViewSet):
    """Managers invite people into households; DELETE cancels a pending invitation."""

    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    permission_classes = [*AUTHENTICATED, CanManageProject]
    selector = selectors.invitation_list_for_user
    create_service = services.invitation_create
    scope_field = "household"

    def service_arguments(self) -> dict:
        return {"invited_by": self.request.user}

    def destroy(self, request, *args, **kwargs):
        services.invitation_cancel(invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
