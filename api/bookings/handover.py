"""Handovers at check-out, maintenance notes, and bulk cancellations (DESIGN.md §6).

Thin, as the rest of the API: the community services judge every rule and raise
``ValidationError`` (→ 400 on the field) or ``Conflict`` (→ 409); what a user may see comes from
the same reads as the pages, so anything outside it answers 404, and an action on something the
user sees but may not touch answers 403.

- ``POST /bookings/{id}/handover/`` — the leaving household's checklist and comment;
- ``POST /handovers/{id}/review/`` — the next household confirms or disputes;
- ``GET /maintenance-notes/`` and ``POST /maintenance-notes/{id}/resolve/`` — the managers';
- ``POST /bookings/cancel-away/`` — a household's bookings over the days it is away;
- ``POST /booking-series/{id}/cancel-from/`` — a series from a local date on.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import AUTHENTICATED
from api.common import DIGITS
from api.filters import IdFilter
from api.schema import BAD_INPUT, REFUSED, UNKNOWN
from common.validation import Conflict
from community.bookings.forms.handover import COMMENT_MAX_LENGTH, MAX_AWAY_DAYS, away_period
from community.bookings.models import HandoverReport, HandoverVerdict, MaintenanceNote
from community.bookings.selectors.bookings import booking_list_for_user
from community.bookings.selectors.handover import (
    booking_series_list_for_user,
    handover_next_booking,
    handover_report_list_for_user,
    maintenance_note_list_for_user,
)
from community.bookings.selectors.spaces import space_list_for_user
from community.bookings.services.bookings import bookings_cancel_for_household
from community.bookings.services.checkin import user_is_household_member
from community.bookings.services.handover import (
    handover_review,
    handover_submit,
    maintenance_note_resolve,
)
from community.bookings.services.series import booking_cancel_series_from
from members.models import Household
from members.selectors import own_household_ids, user_can_manage_project

# --- Handover ---------------------------------------------------------------------------------


class HandoverReportSerializer(serializers.ModelSerializer):
    checklist = serializers.DictField(
        child=serializers.BooleanField(), help_text=_("Each item of the checklist: done or not.")
    )

    class Meta:
        model = HandoverReport
        fields = [
            "id",
            "booking",
            "checklist",
            "comment",
            "submitted_at",
            "verdict",
            "verdict_comment",
            "verdict_at",
        ]
        read_only_fields = fields


class HandoverInput(serializers.Serializer):
    checklist = serializers.DictField(
        child=serializers.BooleanField(),
        help_text=_("Every item of the space's checklist, true when done."),
    )
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class HandoverReviewInput(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=HandoverVerdict.choices)
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required to dispute: what was not as listed."),
    )


class BookingHandoverApi(APIView):
    permission_classes = AUTHENTICATED

    @extend_schema(
        operation_id="bookings_handover",
        request=HandoverInput,
        responses={
            201: HandoverReportSerializer,
            400: BAD_INPUT,
            403: REFUSED,
            404: UNKNOWN,
            409: OpenApiResponse(
                description=_("Handed over already, not confirmed, or no checklist.")
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """The leaving household says, item by item, how it leaves the space (once the booking
        has started)."""
        booking = get_object_or_404(booking_list_for_user(user=request.user), pk=pk)
        if not user_is_household_member(user=request.user, household_id=booking.household_id):
            self.permission_denied(
                request, message=_("Only the household that booked can hand the space over.")
            )
        if not booking.space.handover_checklist:
            raise Conflict(_("This space has no handover checklist."))
        data = HandoverInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = handover_submit(booking=booking, submitted_by=request.user, **data.validated_data)
        return Response(HandoverReportSerializer(report).data, status=201)


class HandoverReviewApi(APIView):
    permission_classes = AUTHENTICATED

    @extend_schema(
        operation_id="handovers_review",
        request=HandoverReviewInput,
        responses={
            200: HandoverReportSerializer,
            400: BAD_INPUT,
            403: REFUSED,
            404: UNKNOWN,
            409: OpenApiResponse(description=_("Reviewed already.")),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """The household of the next booking confirms the handover, or disputes it with a
        comment; a dispute opens a maintenance note for the managers."""
        report = get_object_or_404(handover_report_list_for_user(user=request.user), pk=pk)
        next_booking = handover_next_booking(booking=report.booking)
        if next_booking is None or not user_is_household_member(
            user=request.user, household_id=next_booking.household_id
        ):
            self.permission_denied(
                request,
                message=_("Only the household of the next booking can review this handover."),
            )
        data = HandoverReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = handover_review(report=report, reviewer=request.user, **data.validated_data)
        return Response(HandoverReportSerializer(report).data)


# --- Maintenance notes ------------------------------------------------------------------------


class MaintenanceNoteSerializer(serializers.ModelSerializer):
    space_name = serializers.CharField(source="space.name", read_only=True)
    project = serializers.IntegerField(source="space.project_id", read_only=True)
    resolved = serializers.SerializerMethodField()

    class Meta:
        model = MaintenanceNote
        fields = [
            "id",
            "project",
            "space",
            "space_name",
            "handover",
            "text",
            "created_at",
            "resolved",
            "resolved_at",
            "resolved_by",
        ]
        read_only_fields = fields

    def get_resolved(self, note: MaintenanceNote) -> bool:
        return note.resolved_at is not None


class MaintenanceNoteFilter(django_filters.FilterSet):
    project = IdFilter(field_name="space__project_id")
    space = IdFilter(field_name="space_id")
    # resolved=true: those with a resolution time; resolved=false: the open ones.
    resolved = django_filters.BooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = MaintenanceNote
        fields = ["project", "space", "resolved"]


class MaintenanceNoteViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """What the project's managers must look at, newest first."""

    serializer_class = MaintenanceNoteSerializer
    filterset_class = MaintenanceNoteFilter
    permission_classes = AUTHENTICATED
    lookup_value_regex = DIGITS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no user
            return MaintenanceNote.objects.none()
        return maintenance_note_list_for_user(user=self.request.user).order_by("-created_at", "-pk")

    @extend_schema(
        request=None,
        responses={200: MaintenanceNoteSerializer, 403: REFUSED, 404: UNKNOWN},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """A manager marks the note as dealt with; resolving it again changes nothing."""
        # Looked up among the notes of the spaces the user sees, so that a resident of the
        # project is refused (403) as on the pages, and anyone else learns nothing (404).
        note = get_object_or_404(
            MaintenanceNote.objects.filter(
                space__in=space_list_for_user(user=request.user).values("pk")
            ).select_related("space__project"),
            pk=pk,
        )
        if not user_can_manage_project(user=request.user, project=note.space.project):
            self.permission_denied(
                request, message=_("Only the project's managers can resolve maintenance notes.")
            )
        note = maintenance_note_resolve(note=note, resolved_by=request.user)
        return Response(self.get_serializer(note).data)


# --- Bulk cancellations -----------------------------------------------------------------------


class CancelledSerializer(serializers.Serializer):
    cancelled = serializers.IntegerField(help_text=_("How many bookings were cancelled."))


class CancelAwayInput(serializers.Serializer):
    start = serializers.DateField(help_text=_("The first day away, a local date of the project."))
    end = serializers.DateField(help_text=_("The last day away (included)."))
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(),
        required=False,
        help_text=_("Your household; needed only if you live in more than one project."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["household"].queryset = Household.objects.filter(
                pk__in=own_household_ids(user=request.user)
            )

    def validate(self, attrs: dict) -> dict:
        start, end = attrs["start"], attrs["end"]
        if end < start:
            raise serializers.ValidationError(
                {"end": [_("The last day cannot come before the first.")]}
            )
        if (end - start).days >= MAX_AWAY_DAYS or end >= dt.date.max:
            raise serializers.ValidationError(
                {"end": [_("Choose at most %(days)s days at a time.") % {"days": MAX_AWAY_DAYS}]}
            )
        return attrs


class BookingCancelAwayApi(APIView):
    permission_classes = AUTHENTICATED

    @extend_schema(
        operation_id="bookings_cancel_away",
        request=CancelAwayInput,
        responses={200: CancelledSerializer, 400: BAD_INPUT, 403: REFUSED},
    )
    def post(self, request: Request) -> Response:
        """Cancel the household's bookings over the days it is away, in every space. Bookings
        that have started, or are within their space's cancellation cut-off, stay."""
        data = CancelAwayInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        household = data.validated_data.get("household") or (
            Household.objects.filter(pk__in=own_household_ids(user=request.user))
            .order_by("pk")
            .first()
        )
        if household is None:
            self.permission_denied(
                request, message=_("Only the residents of a household can cancel its bookings.")
            )
        zone = ZoneInfo(household.project.city.time_zone)
        start, end = away_period(
            start=data.validated_data["start"],
            end=data.validated_data["end"],
            zone=zone,
            today=timezone.now().astimezone(zone).date(),
        )
        count = bookings_cancel_for_household(
            household=household, start=start, end=end, cancelled_by=request.user
        )
        return Response(CancelledSerializer({"cancelled": count}).data)


class SeriesCancelFromInput(serializers.Serializer):
    date = serializers.DateField(
        help_text=_("A local date of the project: the series' bookings from this day on.")
    )


class BookingSeriesCancelFromApi(APIView):
    permission_classes = AUTHENTICATED

    @extend_schema(
        operation_id="booking_series_cancel_from",
        request=SeriesCancelFromInput,
        responses={200: CancelledSerializer, 400: BAD_INPUT, 403: REFUSED, 404: UNKNOWN},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Cancel the series' bookings from a date on. Those that have started stay, and so,
        unless a manager asks, do those within the space's cancellation cut-off."""
        series = get_object_or_404(booking_series_list_for_user(user=request.user), pk=pk)
        by_manager = user_can_manage_project(user=request.user, project=series.space.project)
        if not by_manager and not user_is_household_member(
            user=request.user, household_id=series.household_id
        ):
            self.permission_denied(
                request, message=_("Only the household or the project's managers may cancel.")
            )
        data = SeriesCancelFromInput(data=request.data)
        data.is_valid(raise_exception=True)
        # A date before today cancels what today does (started bookings stay); taking today
        # keeps a date in year 1 from overflowing the conversion to UTC.
        today = timezone.now().astimezone(ZoneInfo(series.space.project.city.time_zone)).date()
        count = booking_cancel_series_from(
            series=series,
            from_date=max(data.validated_data["date"], today),
            cancelled_by=request.user,
            by_manager=by_manager,
        )
        return Response(CancelledSerializer({"cancelled": count}).data)


__all__ = [
    "BookingCancelAwayApi",
    "BookingHandoverApi",
    "BookingSeriesCancelFromApi",
    "HandoverReviewApi",
    "MaintenanceNoteViewSet",
]
