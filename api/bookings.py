"""Spaces, their availability, bookings, waitlists and lottery windows (DESIGN.md §6).

The views only adapt HTTP: reads go through the community selectors, writes through the
community services, which check every booking rule and raise ``ValidationError`` (→ 400 with
the field) or ``Conflict`` (→ 409: a taken slot with ``next_free``, a wrong status).
What a user may see comes from the community selectors (``space_list_for_user``,
``booking_list_for_user`` and their kin): anything outside them answers 404, so a resident of
another project learns nothing of a space.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin, ServiceViewSet
from api.common import BAD_INPUT, DIGITS, AwareDateTimeField, CalendarRenderer, restrict_related
from api.filters import IdFilter
from api.permissions import CanManageProject
from community.bookings.calendars import booking_calendar
from community.bookings.selectors.availability import BlockedReason, space_availability, spaces_free
from community.bookings.selectors.bookings import (
    booking_list_for_user,
    booking_window_list_for_user,
    waitlist_list_for_user,
)
from community.bookings.selectors.spaces import (
    space_closure_list,
    space_list_for_user,
    space_project_list_for_user,
)
from community.bookings.selectors.usage import space_usage
from community.bookings.services import spaces as space_services
from community.bookings.services.bookings import (
    booking_approve,
    booking_cancel,
    booking_create,
    booking_reject,
)
from community.bookings.services.checkin import booking_check_in, user_is_household_member
from community.bookings.services.lottery import (
    booking_request_submit,
    booking_window_draw,
    booking_window_open,
)
from community.bookings.services.series import (
    SeriesMode,
    booking_series_create,
    booking_series_preview,
)
from community.bookings.services.waitlist import waitlist_join, waitlist_leave
from community.models import (
    Booking,
    BookingRequest,
    BookingWindow,
    Recurrence,
    Space,
    SpaceClosure,
    SpaceKind,
    WaitlistEntry,
)
from members.models import Household, HousingProject
from members.selectors import (
    household_list_for_user,
    household_of_user,
    project_list_for_user,
    user_can_manage_project,
)

# The longest period one availability or free-space question may cover: a calendar view of
# two months at most, so that one request stays cheap however busy the space is.
MAX_QUERY_DAYS = 62
# Fair use is read over longer periods (the lottery weighs a year of use).
MAX_USAGE_DAYS = 366
CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})")


# --- Shared fields and helpers ---------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "pattern": r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", "example": "08:00"}
)
class ClockField(serializers.Field):
    """A wall-clock time "HH:MM" ↔ minutes after local midnight ("24:00" is 1440)."""

    default_error_messages = {"invalid": _("Give a time as HH:MM, from 00:00 to 24:00.")}

    def to_internal_value(self, data: Any) -> int:
        # ASCII digits only: str.isdigit() would let "²" through to int(), a server error.
        match = CLOCK.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        hours, minutes = int(match[1]), int(match[2])
        if minutes > 59 or hours * 60 + minutes > 24 * 60:
            self.fail("invalid")
        return hours * 60 + minutes

    def to_representation(self, value: int) -> str:
        return f"{value // 60:02d}:{value % 60:02d}"


def acting_household(*, user, project: HousingProject, given: Household | None) -> Household:
    """Who a booking is for: the household given (a manager's choice, or the user's own: the
    field only accepts households the user sees), else the user's own household there."""
    if given is not None:
        return given
    household = household_of_user(user=user, project=project)
    if household is None:
        raise ValidationError(
            {"household": [_("You do not live in this project: choose the household.")]}
        )
    return household


def _asking_household(*, user, space: Space, given: Household | None) -> Household | None:
    """Whose quota an availability question is about: the one given, else the user's own
    household in the space's project (a manager without one asks for nobody in particular)."""
    if given is not None:
        if given.project_id != space.project_id:
            raise ValidationError(
                {"household": [_("This household does not live in this project.")]}
            )
        return given
    return household_of_user(user=user, project=space.project)


def _read_query(serializer_class, request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params, context={"request": request})
    query.is_valid(raise_exception=True)
    return query.validated_data


class PeriodQuery(serializers.Serializer):
    """[start, end) of a question, at most ``max_days`` long."""

    max_days = MAX_QUERY_DAYS

    start = AwareDateTimeField(help_text=_("ISO 8601 with its offset, e.g. 2025-06-02T08:00+02:00"))
    end = AwareDateTimeField(help_text=_("ISO 8601 with its offset; after the start."))

    def validate(self, attrs: dict) -> dict:
        start, end = attrs["start"], attrs["end"]
        if end <= start:
            raise ValidationError({"end": [_("The end must come after the start.")]})
        if end - start > dt.timedelta(days=self.max_days):
            raise ValidationError(
                {
                    "end": [
                        _("Ask for %(days)s days at most.") % {"days": self.max_days},
                    ]
                }
            )
        return attrs


class UsageQuery(PeriodQuery):
    max_days = MAX_USAGE_DAYS


class HouseholdPeriodQuery(PeriodQuery):
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(),
        required=False,
        help_text=_("Managers: the household whose quota counts (residents: their own)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, household=household_list_for_user)


class FreeSpacesQuery(HouseholdPeriodQuery):
    project = serializers.PrimaryKeyRelatedField(
        queryset=HousingProject.objects.none(),
        required=False,
        help_text=_("Defaults to the project the user lives in."),
    )
    kind = serializers.ChoiceField(choices=SpaceKind.choices, required=False)
    attendees = serializers.IntegerField(min_value=1, default=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, project=space_project_list_for_user)


# --- Spaces ----------------------------------------------------------------------------------


class OpeningHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 is Monday."))
    opens = ClockField(source="opens_minute")
    closes = ClockField(source="closes_minute")

    def validate(self, attrs: dict) -> dict:
        if attrs["closes_minute"] <= attrs["opens_minute"]:
            raise ValidationError({"closes": [_("A space must close after it opens.")]})
        return attrs


class SpaceSerializer(serializers.ModelSerializer):
    opening_hours = OpeningHoursSerializer(
        many=True,
        required=False,
        help_text=_(
            "Weekly opening intervals in the project's local time; none means open around the "
            "clock. Given on an update, they replace the old ones."
        ),
    )
    handover_checklist = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False
    )
    time_zone = serializers.CharField(source="project.city.time_zone", read_only=True)
    currency = serializers.CharField(source="project.city.currency", read_only=True)

    class Meta:
        model = Space
        fields = [
            "id",
            "project",
            "name",
            "kind",
            "description",
            "capacity",
            "units",
            "is_active",
            "opening_hours",
            "time_zone",
            "min_duration_minutes",
            "max_duration_minutes",
            "slot_minutes",
            "buffer_minutes",
            "advance_days",
            "quota_week_minutes",
            "quota_month_minutes",
            "requires_approval",
            "cancel_cutoff_minutes",
            "fee_per_hour_cents",
            "currency",
            "checkin_required",
            "checkin_grace_minutes",
            "handover_checklist",
            "reminder_minutes",
        ]
        # The name's uniqueness is checked by the service, with the field named in its error.
        validators: list = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, project=project_list_for_user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["project"].read_only = True

    def validate_opening_hours(self, rows: list[dict]) -> list[tuple[int, int, int]]:
        return [(row["weekday"], row["opens_minute"], row["closes_minute"]) for row in rows]


class SpaceFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")

    class Meta:
        model = Space
        fields = ["project", "kind", "is_active"]


class AvailabilityIntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    free_units = serializers.IntegerField(help_text=_("How many units are free throughout."))
    bookable = serializers.BooleanField(
        help_text=_("Whether the asking household may start a booking here.")
    )
    blocked_reason = serializers.ChoiceField(
        choices=[("", "—"), *BlockedReason.choices], help_text=_("Why not, when not bookable.")
    )
    blocked_message = serializers.SerializerMethodField()
    quota_left_minutes = serializers.IntegerField(allow_null=True)

    def get_blocked_message(self, interval) -> str:
        return str(BlockedReason(interval.blocked_reason).label) if interval.blocked_reason else ""


class QuotaPeriodSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=[("week", _("week")), ("month", _("month"))])
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    limit_minutes = serializers.IntegerField()
    used_minutes = serializers.IntegerField()
    quota_left_minutes = serializers.IntegerField()


class AvailabilitySerializer(serializers.Serializer):
    space = serializers.IntegerField(source="space.pk")
    household = serializers.SerializerMethodField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    units = serializers.IntegerField()
    time_zone = serializers.CharField(source="space.project.city.time_zone")
    intervals = AvailabilityIntervalSerializer(many=True)
    quota = QuotaPeriodSerializer(many=True)

    def get_household(self, availability) -> int | None:
        household = self.context.get("household")
        return household.pk if household is not None else None


class UsageRowSerializer(serializers.Serializer):
    unit_label = serializers.CharField()
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()
    share = serializers.FloatField(help_text=_("Of all the hours used in the period, 0 to 1."))


class ClosureSerializer(serializers.ModelSerializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()

    class Meta:
        model = SpaceClosure
        fields = ["id", "space", "start", "end", "reason"]
        read_only_fields = ["space"]


class SpaceViewSet(ServiceViewSet):
    """Shared spaces of the projects the user lives in or manages; managers edit them."""

    serializer_class = SpaceSerializer
    filterset_class = SpaceFilter
    permission_classes = [*AUTHENTICATED, CanManageProject]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = DIGITS
    selector = space_list_for_user
    create_service = space_services.space_create
    update_service = space_services.space_update
    scope_field = "project"
    instance_kwarg = "space"

    def scope_of(self, instance: Space) -> HousingProject:
        return instance.project

    @extend_schema(parameters=[HouseholdPeriodQuery], responses=AvailabilitySerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def availability(self, request, pk=None):
        """The free intervals of the space, how many units each has free, and what the asking
        household may book there (past, advance window, quota left)."""
        space = self.get_object()
        query = _read_query(HouseholdPeriodQuery, request)
        household = _asking_household(user=request.user, space=space, given=query.get("household"))
        availability = space_availability(
            space=space, start=query["start"], end=query["end"], household=household
        )
        return Response(AvailabilitySerializer(availability, context={"household": household}).data)

    @extend_schema(parameters=[UsageQuery], responses=UsageRowSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def usage(self, request, pk=None):
        """Fair use: hours each unit used the space over the period, most first."""
        space = self.get_object()
        query = _read_query(UsageQuery, request)
        rows = space_usage(space=space, start=query["start"], end=query["end"])
        return Response(UsageRowSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[FreeSpacesQuery], responses=SpaceSerializer(many=True), filters=False
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def free(self, request):
        """The project's spaces with a unit free, and bookable, for the whole period."""
        query = _read_query(FreeSpacesQuery, request)
        project, household = query.get("project"), query.get("household")
        if project is None:
            # The project the user lives in (or that of the household a manager names).
            household = household or household_of_user(user=request.user)
            if household is None:
                raise ValidationError({"project": [_("Choose the project.")]})
            project = household.project
        elif household is None:
            household = household_of_user(user=request.user, project=project)
        if household is not None and household.project_id != project.pk:
            raise ValidationError(
                {"household": [_("This household does not live in this project.")]}
            )
        found = spaces_free(
            project=project,
            start=query["start"],
            end=query["end"],
            kind=query.get("kind"),
            household=household,
            attendees=query["attendees"],
        )
        # Read again through the user's selector, for the opening hours in one query.
        by_id = {
            space.pk: space
            for space in self.get_queryset().filter(pk__in=[space.pk for space in found])
        }
        spaces = [by_id[space.pk] for space in found if space.pk in by_id]
        return Response(self.get_serializer(spaces, many=True).data)

    @extend_schema(methods=["GET"], responses=ClosureSerializer(many=True), filters=False)
    @extend_schema(methods=["POST"], request=ClosureSerializer, responses={201: ClosureSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def closures(self, request, pk=None):
        """The space's current and coming closures; managers add one (bookings already in it
        stay, for the managers to decide on)."""
        space = self.get_object()
        if request.method == "GET":
            closures = space_closure_list(space=space)
            return Response(ClosureSerializer(closures, many=True).data)
        self.check_permission(CanManageProject, space.project)
        data = ClosureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closure = space_services.space_closure_create(space=space, **data.validated_data)
        return Response(ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, filters=False)
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"closures/(?P<closure_id>{DIGITS})",
        url_name="closure-detail",
        filter_backends=[],
    )
    def closure_delete(self, request, pk=None, closure_id=None):
        """Managers lift a closure."""
        space = self.get_object()
        self.check_permission(CanManageProject, space.project)
        closure = space.closures.filter(pk=closure_id).first()
        if closure is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        space_services.space_closure_delete(closure=closure)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Bookings --------------------------------------------------------------------------------


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


class _BookingTarget(serializers.Serializer):
    """What every booking-shaped request names: a space, a period, a household (managers)."""

    space = serializers.PrimaryKeyRelatedField(queryset=Space.objects.none())
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    attendees = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(),
        required=False,
        help_text=_("Managers: the household booked for. Residents: their own (the default)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, space=space_list_for_user, household=household_list_for_user)


class BookingInput(_BookingTarget):
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
    start_after = django_filters.IsoDateTimeFilter(
        field_name="start", lookup_expr="gte", label=_("starts at or after")
    )
    start_before = django_filters.IsoDateTimeFilter(
        field_name="start", lookup_expr="lt", label=_("starts before")
    )

    class Meta:
        model = Booking
        fields = ["space", "household", "status", "start_after", "start_before"]


class BookingViewSet(
    ServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Bookings: managers see those of their projects, residents their household's."""

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
        space = fields.pop("space")
        household = acting_household(
            user=request.user, project=space.project, given=fields.pop("household", None)
        )
        mode = fields.pop("mode")
        recurrence, occurrences = fields.pop("recurrence", None), fields.pop("occurrences", None)
        if recurrence is None and occurrences is None:
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

    @extend_schema(request=None, responses=BookingSerializer)
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

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """A manager confirms a pending booking."""
        booking = self.get_object()
        self.check_permission(CanManageProject, booking.space.project)
        booking = booking_approve(booking=booking, decided_by=request.user)
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=RejectInput, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """A manager rejects a pending booking; the slot goes to the waitlist."""
        booking = self.get_object()
        self.check_permission(CanManageProject, booking.space.project)
        data = RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_reject(booking=booking, decided_by=request.user, **data.validated_data)
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """A member of the household says it is at the space (from 15 minutes before)."""
        booking = booking_check_in(booking=self.get_object(), user=request.user)
        return Response(self.get_serializer(booking).data)

    @extend_schema(
        responses={(200, "text/calendar"): OpenApiTypes.BINARY}, filters=False, request=None
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, CalendarRenderer],
        filter_backends=[],
    )
    def ics(self, request, pk=None):
        """The booking as an iCalendar file, to add to a calendar by hand."""
        booking = self.get_object()
        response = HttpResponse(booking_calendar(booking=booking), content_type="text/calendar")
        response["Content-Disposition"] = f'attachment; filename="booking-{booking.pk}.ics"'
        return response

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

    @extend_schema(request=None, responses={204: None}, filters=False)
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
            return Response(status=status.HTTP_404_NOT_FOUND)
        waitlist_leave(entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Lottery windows -------------------------------------------------------------------------


class SlotSerializer(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()


class DrawWeightSerializer(serializers.Serializer):
    household = serializers.IntegerField(help_text=_("Its id, the order in which u is drawn."))
    hours_12m = serializers.FloatField()
    weight = serializers.FloatField()


class DrawSkipSerializer(serializers.Serializer):
    slot = serializers.IntegerField()
    unit = serializers.CharField()
    reason = serializers.CharField()


class DrawResultSerializer(serializers.Serializer):
    """The published draw, by unit label: anyone can replay the order from the seed and the
    weights (``lottery_replay``); no resident is named."""

    seed = serializers.CharField()
    algorithm = serializers.CharField()
    key = serializers.CharField()
    usage_period = SlotSerializer()
    weights = serializers.DictField(child=DrawWeightSerializer(), help_text=_("By unit label."))
    order = serializers.ListField(child=serializers.CharField(), help_text=_("Unit labels."))
    allocation = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        help_text=_("Slot index → the unit label that won it, or null."),
    )
    skipped = DrawSkipSerializer(many=True)
    lapsed = serializers.ListField(child=serializers.IntegerField())


def published_draw(result: dict) -> dict | None:
    """The stored draw, with every household shown by its unit label."""
    if not result:
        return None
    units = {key: weight["unit"] for key, weight in result.get("weights", {}).items()}

    def unit(household_id) -> str | None:
        return None if household_id is None else units.get(str(household_id), "?")

    return {
        "seed": result["seed"],
        "algorithm": result.get("algorithm", ""),
        "key": result.get("key", ""),
        "usage_period": result.get("usage_period"),
        "weights": {
            weight["unit"]: {
                "household": int(key),
                "hours_12m": weight["hours_12m"],
                "weight": weight["weight"],
            }
            for key, weight in result.get("weights", {}).items()
        },
        "order": [unit(household_id) for household_id in result.get("order", [])],
        "allocation": {
            index: unit(household_id) for index, household_id in result["allocation"].items()
        },
        "skipped": [
            {"slot": skip["slot"], "unit": unit(skip["household"]), "reason": skip["reason"]}
            for skip in result.get("skipped", [])
        ],
        "lapsed": result.get("lapsed", []),
    }


class BookingWindowSerializer(serializers.ModelSerializer):
    space_name = serializers.CharField(source="space.name", read_only=True)
    slots = SlotSerializer(many=True)
    result = serializers.SerializerMethodField()

    class Meta:
        model = BookingWindow
        fields = [
            "id",
            "space",
            "space_name",
            "title",
            "slots",
            "opens_at",
            "closes_at",
            "status",
            "drawn_at",
            "result",
        ]
        read_only_fields = ["status", "drawn_at"]

    @extend_schema_field(DrawResultSerializer(allow_null=True))
    def get_result(self, window: BookingWindow) -> dict | None:
        return published_draw(window.result)


class BookingWindowInput(serializers.Serializer):
    space = serializers.PrimaryKeyRelatedField(queryset=Space.objects.none())
    title = serializers.CharField(max_length=160)
    slots = SlotSerializer(many=True)
    closes_at = AwareDateTimeField()
    opens_at = AwareDateTimeField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, space=space_list_for_user)


class BookingRequestInput(serializers.Serializer):
    slot_indexes = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Indexes into the slots, by preference.")
    )
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(),
        required=False,
        help_text=_("Managers: the household requesting. Residents: their own (the default)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(self, household=household_list_for_user)


class BookingRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingRequest
        fields = ["id", "window", "household", "slot_indexes", "created_at", "booking"]
        read_only_fields = fields


class BookingWindowFilter(django_filters.FilterSet):
    space = IdFilter(field_name="space_id")

    class Meta:
        model = BookingWindow
        fields = ["space", "status"]


class BookingWindowViewSet(
    ServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Lottery windows over contested slots; the draw is published once drawn."""

    serializer_class = BookingWindowSerializer
    filterset_class = BookingWindowFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = DIGITS
    selector = booking_window_list_for_user

    def scope_of(self, instance: BookingWindow) -> HousingProject:
        return instance.space.project

    @extend_schema(request=BookingWindowInput, responses={201: BookingWindowSerializer})
    def create(self, request, *args, **kwargs):
        """A manager opens a window over contested slots of a space."""
        data = BookingWindowInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        self.check_permission(CanManageProject, fields["space"].project)
        fields["slots"] = [(slot["start"], slot["end"]) for slot in fields["slots"]]
        window = booking_window_open(created_by=request.user, **fields)
        return Response(self.get_serializer(window).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BookingRequestInput, responses=BookingRequestSerializer)
    @action(detail=True, methods=["post"], url_path="request", url_name="request")
    def request_slots(self, request, pk=None):
        """A household asks for slots, by preference; asking again replaces its list."""
        window = self.get_object()
        data = BookingRequestInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        household = acting_household(
            user=request.user,
            project=window.space.project,
            given=data.validated_data.get("household"),
        )
        booking_request = booking_request_submit(
            window=window,
            household=household,
            slot_indexes=data.validated_data["slot_indexes"],
            requested_by=request.user,
        )
        return Response(BookingRequestSerializer(booking_request).data)

    @extend_schema(request=None, responses=BookingWindowSerializer)
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        """A manager draws the lottery once requests have closed; drawing again changes
        nothing."""
        window = self.get_object()
        self.check_permission(CanManageProject, window.space.project)
        window = booking_window_draw(window=window)
        return Response(self.get_serializer(window).data)


__all__ = ["BookingViewSet", "BookingWindowViewSet", "SpaceViewSet"]
