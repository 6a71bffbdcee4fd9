"""Lottery windows: requests for the slots of a window, and the draw."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin
from api.bookings.base import CONFLICT, acting_household
from api.common import DIGITS, AwareDateTimeField, restrict_related
from api.filters import IdFilter
from api.permissions import CanManageProject
from community.bookings.models import BookingRequest, BookingWindow, Space
from community.bookings.selectors.bookings import booking_window_list_for_user
from community.bookings.selectors.spaces import space_list_for_user
from community.bookings.services.lottery import (
    booking_request_submit,
    booking_window_draw,
    booking_window_open,
)
from members.models import Household, HousingProject
from members.selectors import household_list_for_user


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

    @extend_schema(
        request=BookingRequestInput, responses={200: BookingRequestSerializer, 409: CONFLICT}
    )
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

    @extend_schema(request=None, responses={200: BookingWindowSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        """A manager draws the lottery once requests have closed; drawing again changes
        nothing."""
        window = self.get_object()
        self.check_permission(CanManageProject, window.space.project)
        window = booking_window_draw(window=window)
        return Response(self.get_serializer(window).data)
