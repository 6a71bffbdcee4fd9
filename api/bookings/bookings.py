"""Bookings: create, series, approval, cancellation, waitlists and calendars."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin
from api.bookings.base import CONFLICT, acting_household, booking_target
from api.common import DIGITS, ID_MAX, AwareDateTimeField, CalendarFileMixin, restrict_related
from api.filters import IdFilter, InstantFilter
from api.permissions import CanManageProject
from api.schema import BAD_INPUT
from community.bookings.calendars import booking_calendar
from community.bookings.models import Booking, Recurrence, Space, WaitlistEntry
from community.bookings.selectors.bookings import booking_list_for_user, waitlist_list_for_user
from community.bookings.selectors.spaces import space_list_for_user
from community.bookings.services.bookings import (
    booking_approve,
    booking_cancel,
    booking_create,
    booking_reject,
)
from community.bookings.services.checkin import booking_check_in, user_is_household_member
from community.bookings.services.series import (
    SeriesMode,
    booking_series_create,
    booking_series_preview,
)
from community.bookings.services.waitlist import waitlist_join, waitlist_leave
from members.models import Household, HousingProject
from members.selectors import household_list_for_user, user_can_manage_project


class BookingSerializer(serializers.ModelSerializer):
    space_name = serializers.CharField(source="space.name", read_only=True)
    household_unit = serializers.CharField(source="household.unit_label", read_only=True)
    currency = serializers.CharField(source="space.project.city.currency", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "space",
            "space_name",
            "unit",
            "household",
            "household_unit",
            "booked_by",
            "start",
            "end",
            "status",
            "attendees",
            "note",
            "series",
            "fee_cents",
            "fee_reduced",
            "currency",
            "created_at",
            "decided_at",
            "decision_note",
            "cancelled_at",
            "cancelled_by",
            "checked_in_at",
        ]
        read_only_fields = fields


class _BookingPeriod(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    attendees = serializers.IntegerField(min_value=1, max_value=10_000, default=1)


class _BookingTarget(_BookingPeriod):
    """What every booking-shaped request names: a space, a period, a household (managers)."""

    space = serializers.PrimaryKeyRelatedField(queryset=Space.objects.none())
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(),
        required=False,
        help_text=_("Managers: the household booked for. Residents: their own (the default)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, space=space_list_for_user, household=household_list_for_user)


class BookingInput(_BookingPeriod):
    """The space and the household by id: the view finds them (``booking_target``) in fewer
    queries than two related fields would."""

    space = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    household = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        help_text=_("Managers: the household booked for. Residents: their own (the default)."),
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    recurrence = serializers.ChoiceField(
        choices=Recurrence.choices,
        required=False,
        allow_null=True,
        help_text=_("Book the same local time every week or month."),
    )
    occurrences = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text=_("How many dates, with a recurrence."),
    )
    mode = serializers.ChoiceField(
        choices=SeriesMode.choices,
        default=SeriesMode.ALL_OR_NOTHING,
        help_text=_("For a series: every date or none, or only the free dates."),
    )


class SeriesPreviewInput(_BookingTarget):
    recurrence = serializers.ChoiceField(choices=Recurrence.choices)
    occurrences = serializers.IntegerField(min_value=1)


class OccurrenceSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("1 for the first date."))
    date = serializers.DateField(help_text=_("The local date."))
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    free = serializers.BooleanField()
    reason = serializers.CharField(help_text=_("slot_taken or rule, when not free."))
    field = serializers.CharField(help_text=_("The field the refusal is about."))
    message = serializers.CharField()


class BookingSeriesCreatedSerializer(serializers.Serializer):
    series = serializers.IntegerField(source="series.pk")
    recurrence = serializers.CharField(source="series.recurrence")
    occurrences = serializers.IntegerField(source="series.occurrences")
    bookings = BookingSerializer(many=True)
    skipped = OccurrenceSerializer(many=True)


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class WaitlistEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "space",
            "household",
            "start",
            "end",
            "attendees",
            "status",
            "created_at",
            "booking",
        ]
        read_only_fields = fields


class BookingFilter(django_filters.FilterSet):
    space = IdFilter(field_name="space_id")
    household = IdFilter(field_name="household_id")
    start_after = InstantFilter(
        field_name="start", lookup_expr="gte", label=_("starts at or after")
    )
    start_before = InstantFilter(field_name="start", lookup_expr="lt", label=_("starts before"))

    class Meta:
        model = Booking
        fields = ["space", "household", "status", "start_after", "start_before"]


class BookingViewSet(
    ServiceMixin,
    CalendarFileMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bookings: managers see those of their projects, residents their household's."""

    calendar_name = "booking"
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "delete", "head", "options"]
    lookup_value_regex = DIGITS
    selector = booking_list_for_user

    def scope_of(self, instance: Booking) -> HousingProject:
        return instance.space.project

    @extend_schema(
        request=BookingInput,
        responses={
            201: PolymorphicProxySerializer(
                component_name="BookingCreated",
                serializers=[BookingSerializer, BookingSeriesCreatedSerializer],
                resource_type_field_name=None,
            ),
            400: BAD_INPUT,
            409: OpenApiResponse(
                description=_("The slot is taken (with next_free), or dates of a series are.")
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        """Book a slot, or with ``recurrence`` and ``occurrences`` a series of dates."""
        data = BookingInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        mode = fields.pop("mode")
        recurrence, occurrences = fields.pop("recurrence", None), fields.pop("occurrences", None)
        single = recurrence is None and occurrences is None
        space, household = booking_target(
            user=request.user,
            space_id=fields.pop("space"),
            household_id=fields.pop("household", None),
            read_space=not single,  # booking_create reads the space under its lock
        )
        if single:
            booking = booking_create(
                space=space, household=household, booked_by=request.user, **fields
            )
            return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)
        series, bookings, skipped = booking_series_create(
            space=space,
            household=household,
            booked_by=request.user,
            recurrence=recurrence,
            occurrences=occurrences,
            mode=mode,
            **fields,
        )
        body = BookingSeriesCreatedSerializer(
            {"series": series, "bookings": bookings, "skipped": skipped}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=SeriesPreviewInput, responses=OccurrenceSerializer(many=True))
    @action(
        detail=False,
        methods=["post"],
        url_path="preview-series",
        filter_backends=[],
        pagination_class=None,
    )
    def preview_series(self, request):
        """Each date of a series, whether it is free and if not why; nothing is booked."""
        data = SeriesPreviewInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        space = fields.pop("space")
        household = acting_household(
            user=request.user, project=space.project, given=fields.pop("household", None)
        )
        previews = booking_series_preview(space=space, household=household, **fields)
        return Response(OccurrenceSerializer(previews, many=True).data)

    @extend_schema(request=None, responses={200: BookingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """A member of the household (until the space's cut-off) or a manager cancels."""
        booking = self.get_object()
        by_manager = user_can_manage_project(user=request.user, project=booking.space.project)
        if not by_manager and not user_is_household_member(
            user=request.user, household_id=booking.household_id
        ):
            self.permission_denied(
                request, message=_("Only the household or the project's managers may cancel.")
            )
        booking = booking_cancel(booking=booking, cancelled_by=request.user, by_manager=by_manager)
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=None, responses={200: BookingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """A manager confirms a pending booking."""
        booking = self.get_object()
        self.check_permission(CanManageProject, booking.space.project)
        booking = booking_approve(booking=booking, decided_by=request.user)
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=RejectInput, responses={200: BookingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """A manager rejects a pending booking; the slot goes to the waitlist."""
        booking = self.get_object()
        self.check_permission(CanManageProject, booking.space.project)
        data = RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_reject(booking=booking, decided_by=request.user, **data.validated_data)
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=None, responses={200: BookingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """A member of the household says it is at the space (from 15 minutes before)."""
        booking = booking_check_in(booking=self.get_object(), user=request.user)
        return Response(self.get_serializer(booking).data)

    def calendar_content(self, request, obj):
        return booking_calendar(booking=obj)

    @extend_schema(methods=["GET"], responses=WaitlistEntrySerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"],
        request=_BookingTarget,
        responses={201: WaitlistEntrySerializer},
    )
    @action(detail=False, methods=["get", "post"], filter_backends=[])
    def waitlist(self, request):
        """The waitlist entries the user sees; POST waits for a taken slot."""
        if request.method == "GET":
            entries = waitlist_list_for_user(user=request.user).order_by("-created_at", "-pk")
            page = self.paginate_queryset(entries)
            return self.get_paginated_response(WaitlistEntrySerializer(page, many=True).data)
        data = _BookingTarget(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        space = fields.pop("space")
        household = acting_household(
            user=request.user, project=space.project, given=fields.pop("household", None)
        )
        entry = waitlist_join(space=space, household=household, requested_by=request.user, **fields)
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, 409: CONFLICT}, filters=False)
    @action(
        detail=False,
        methods=["delete"],
        url_path=rf"waitlist/(?P<entry_id>{DIGITS})",
        url_name="waitlist-detail",
        filter_backends=[],
    )
    def waitlist_leave(self, request, entry_id=None):
        """The household stops waiting."""
        entry = waitlist_list_for_user(user=request.user).filter(pk=entry_id).first()
        if entry is None:
            raise NotFound
        waitlist_leave(entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)
