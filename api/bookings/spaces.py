"""Spaces: their settings, availability, closures, usage and free slots."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceViewSet
from api.bookings.base import (
    ClockField,
    FreeSpacesQuery,
    HouseholdPeriodQuery,
    UsageQuery,
    asking_household,
    read_query,
)
from api.common import DIGITS, AwareDateTimeField, restrict_related
from api.filters import IdFilter
from api.permissions import CanManageProject
from community.bookings.models import Space, SpaceClosure
from community.bookings.selectors.availability import BlockedReason, space_availability, spaces_free
from community.bookings.selectors.spaces import space_closure_list, space_list_for_user
from community.bookings.selectors.usage import space_usage
from community.bookings.services import spaces as space_services
from members.models import HousingProject
from members.selectors import household_of_user, project_list_for_user


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
        query = read_query(HouseholdPeriodQuery, request)
        household = asking_household(user=request.user, space=space, given=query.get("household"))
        availability = space_availability(
            space=space, start=query["start"], end=query["end"], household=household
        )
        return Response(AvailabilitySerializer(availability, context={"household": household}).data)

    @extend_schema(parameters=[UsageQuery], responses=UsageRowSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def usage(self, request, pk=None):
        """Fair use: hours each unit used the space over the period, most first."""
        space = self.get_object()
        query = read_query(UsageQuery, request)
        rows = space_usage(space=space, start=query["start"], end=query["end"])
        return Response(UsageRowSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[FreeSpacesQuery], responses=SpaceSerializer(many=True), filters=False
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def free(self, request):
        """The project's spaces with a unit free, and bookable, for the whole period."""
        query = read_query(FreeSpacesQuery, request)
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
            raise NotFound
        space_services.space_closure_delete(closure=closure)
        return Response(status=status.HTTP_204_NO_CONTENT)
