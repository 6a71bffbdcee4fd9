"""The meetings API (DESIGN.md §6): meetings with their agenda, attendance and minutes, agenda
items, and the decision classes of the bylaws.

The views only adapt HTTP: reads go through ``governance.selectors.meetings``, writes through
``governance.services.meetings``, which validate every rule and raise ``ValidationError`` (→ 400
with the field) or ``Conflict`` (→ 409: minutes published already, invitations sent already).
Who sees what comes from the selectors: the managers and residents of a project see its
meetings and decision classes; anyone else gets 404. Managers write; a meeting's chair may also
keep its register and write its minutes; unpublished minutes are shown to them only.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import django_filters
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin, ServiceViewSet
from api.common import DIGITS, AwareDateTimeField, CalendarFileMixin, restrict_related
from api.filters import IdFilter
from api.permissions import CanManageProject
from governance.calendars import meeting_calendar
from governance.models import AgendaItem, AttendanceStatus, DecisionClass, Meeting, MeetingKind
from governance.selectors.meetings import (
    agenda_item_list_for_user,
    chair_candidate_list_for_user,
    decision_class_list_for_user,
    meeting_list_for_user,
    meeting_register,
    user_can_run_meeting,
)
from governance.services import meetings as services
from members.selectors import managed_project_list, member_project_list


def _is_update(serializer: serializers.Serializer) -> bool:
    return serializer.instance is not None and not isinstance(serializer.instance, list | tuple)


class CanRunMeeting(BasePermission):
    """The target is a meeting: its project's managers and its chair keep the register and
    write the minutes."""

    message = _("Only the project's managers or the meeting's chair may do this.")

    def has_object_permission(self, request, view, obj) -> bool:
        return user_can_run_meeting(user=request.user, meeting=obj)


# --- Meetings ------------------------------------------------------------------------------------


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "meeting", "position", "title", "description"]
        read_only_fields = ["meeting"]
        extra_kwargs = {"position": {"required": False}}


class AttendanceCountsSerializer(serializers.Serializer):
    present = serializers.IntegerField(source="present_count", default=0)
    represented = serializers.IntegerField(source="represented_count", default=0)
    absent = serializers.IntegerField(source="absent_count", default=0)


class MeetingSerializer(serializers.ModelSerializer):
    start = AwareDateTimeField(help_text=_("ISO 8601 with its offset."))
    end = AwareDateTimeField(required=False, allow_null=True)
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    attendance = AttendanceCountsSerializer(source="*", read_only=True)
    minutes = serializers.SerializerMethodField(
        help_text=_("Null while unpublished, except for the managers and the chair.")
    )
    invite = serializers.BooleanField(
        write_only=True,
        default=True,
        help_text=_("On creation: invite every household by e-mail (for a meeting to come)."),
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "project",
            "kind",
            "title",
            "start",
            "end",
            "place",
            "link",
            "chair",
            "invite",
            "invitations_sent_at",
            "agenda_items",
            "attendance",
            "minutes",
            "minutes_published_at",
        ]
        read_only_fields = ["invitations_sent_at", "minutes_published_at"]
        # The rules (end after start, a place or a link) are the service's, on their fields.
        validators: list = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if _is_update(self):
            self.fields["project"].read_only = True
            self.fields.pop("invite")
        restrict_related(self, project=member_project_list, chair=chair_candidate_list_for_user)

    def get_minutes(self, meeting: Meeting) -> str | None:
        if meeting.minutes_published_at is not None:
            return meeting.minutes
        runs = self.context.get("runs_meeting")
        return meeting.minutes if runs is not None and runs(meeting) else None


class MeetingFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices)
    upcoming = django_filters.BooleanFilter(
        method="filter_upcoming", label=_("not over yet (true) or over (false)")
    )

    class Meta:
        model = Meeting
        fields = ["project", "kind", "upcoming"]

    def filter_upcoming(self, queryset, name, value):
        now = timezone.now()
        over = queryset.filter(start__lt=now).exclude(end__gte=now)
        return queryset.exclude(pk__in=over.values("pk")) if value else over


class AgendaItemInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    position = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("1 is first; empty adds it at the end.")
    )


class AgendaOrderInput(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_("Every agenda item's id once, in the new order."),
    )


class AttendanceEntrySerializer(serializers.Serializer):
    resident = serializers.IntegerField(help_text=_("A resident of the meeting's project."))
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class AttendanceInput(serializers.Serializer):
    entries = AttendanceEntrySerializer(many=True, allow_empty=False)


class RegisterRowSerializer(serializers.Serializer):
    resident = serializers.IntegerField(source="resident.pk")
    name = serializers.CharField(source="resident.full_name")
    unit = serializers.CharField(source="resident.household.unit_label")
    # A plain string here: one attendance enum in the schema, named after the entry's field.
    status = serializers.CharField(
        help_text=_("present, represented or absent; empty when nothing is recorded yet.")
    )


class MinutesInput(serializers.Serializer):
    minutes = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text=_("Plain text.")
    )
    publish = serializers.BooleanField(
        default=False,
        help_text=_("Publish (once, for good) and tell every household."),
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs["publish"] and "minutes" not in attrs:
            raise serializers.ValidationError({"minutes": [_("This field is required.")]})
        return attrs


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class MeetingViewSet(CalendarFileMixin, ServiceViewSet):
    """Meetings of the projects the user lives in or manages, latest first; managers call and
    edit them."""

    calendar_name = "meeting"
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    permission_classes = [*AUTHENTICATED, CanManageProject]
    lookup_value_regex = DIGITS
    selector = meeting_list_for_user
    create_service = services.meeting_create
    update_service = services.meeting_update
    scope_field = "project"
    instance_kwarg = "meeting"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return meeting_list_for_user(user=self.request.user, with_agenda=True)

    def scope_of(self, instance: Meeting):
        return instance.project

    def _managed_ids(self) -> set[int]:
        if not hasattr(self, "_managed_project_ids"):
            self._managed_project_ids = set(
                managed_project_list(user=self.request.user).values_list("pk", flat=True)
            )
        return self._managed_project_ids

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            # The meetings are the user's already (the selector): manager or chair runs them.
            context["runs_meeting"] = lambda meeting: (
                meeting.chair_id == user.pk or meeting.project_id in self._managed_ids()
            )
        return context

    def _reread(self, meeting: Meeting) -> Meeting:
        """With the agenda and the counts the output shows."""
        return self.get_queryset().get(pk=meeting.pk)

    def perform_create(self, serializer) -> None:
        super().perform_create(serializer)
        serializer.instance = self._reread(serializer.instance)

    def perform_update(self, serializer) -> None:
        super().perform_update(serializer)
        serializer.instance = self._reread(serializer.instance)

    @extend_schema(request=AgendaItemInput, responses={201: AgendaItemSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def agenda(self, request, pk=None):
        """A manager adds an item to the agenda, at the end or at ``position``."""
        meeting = self.get_object()
        self.check_permission(CanManageProject, meeting.project)
        data = AgendaItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.agenda_item_add(meeting=meeting, **data.validated_data)
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AgendaOrderInput, responses=AgendaItemSerializer(many=True))
    @action(
        detail=True,
        methods=["post"],
        url_path="agenda/order",
        url_name="agenda-order",
        filter_backends=[],
        pagination_class=None,
    )
    def agenda_order(self, request, pk=None):
        """A manager puts the whole agenda in a new order."""
        meeting = self.get_object()
        self.check_permission(CanManageProject, meeting.project)
        data = AgendaOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        items = services.agenda_reorder(meeting=meeting, item_ids=data.validated_data["items"])
        return Response(AgendaItemSerializer(items, many=True).data)

    @extend_schema(methods=["GET"], responses=RegisterRowSerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"], request=AttendanceInput, responses=RegisterRowSerializer(many=True)
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=AUTHENTICATED,  # the chair too: checked below
    )
    def attendance(self, request, pk=None):
        """The register (managers and the chair): every adult living there with their status;
        POST records statuses in bulk, correcting earlier ones."""
        meeting = self.get_object()
        self.check_permission(CanRunMeeting, meeting)
        if request.method == "POST":
            data = AttendanceInput(data=request.data)
            data.is_valid(raise_exception=True)
            services.attendance_record(
                meeting=meeting,
                entries=[
                    (row["resident"], row["status"]) for row in data.validated_data["entries"]
                ],
            )
        return Response(RegisterRowSerializer(meeting_register(meeting=meeting), many=True).data)

    @extend_schema(
        request=MinutesInput,
        responses={
            200: MeetingSerializer,
            409: OpenApiResponse(description=_("The minutes are published already.")),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], permission_classes=AUTHENTICATED)
    def minutes(self, request, pk=None):
        """Managers and the chair write the minutes once the meeting has started, and publish
        them once (``publish``), which tells every household."""
        meeting = self.get_object()
        self.check_permission(CanRunMeeting, meeting)
        data = MinutesInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if fields["publish"]:
            services.minutes_publish(meeting=meeting, minutes=fields.get("minutes"))
        else:
            services.minutes_save(meeting=meeting, minutes=fields["minutes"])
        return Response(self.get_serializer(self._reread(meeting)).data)

    @extend_schema(
        request=None,
        responses={
            202: DetailSerializer,
            409: OpenApiResponse(description=_("Sent already, or the meeting has started.")),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def invitations(self, request, pk=None):
        """A manager sends the invitations of a meeting created without them."""
        meeting = self.get_object()
        self.check_permission(CanManageProject, meeting.project)
        services.meeting_invitations_queue(meeting=meeting)
        return Response(
            {"detail": _("The invitations are on their way to every household.")},
            status=status.HTTP_202_ACCEPTED,
        )

    def calendar_content(self, request, obj):
        """The meeting with its agenda, linking to its page."""
        return meeting_calendar(
            meeting=obj,
            agenda=obj.agenda_items.all(),
            url=request.build_absolute_uri(reverse("meeting_detail", args=[obj.pk])),
        )


# --- Agenda items --------------------------------------------------------------------------------


class AgendaItemFilter(django_filters.FilterSet):
    meeting = IdFilter(field_name="meeting_id")

    class Meta:
        model = AgendaItem
        fields = ["meeting"]


class AgendaItemViewSet(
    ServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Agenda items of the meetings the user sees; managers rename, move or remove them (added
    through ``meetings/{id}/agenda/``)."""

    serializer_class = AgendaItemSerializer
    filterset_class = AgendaItemFilter
    permission_classes = [*AUTHENTICATED, CanManageProject]
    http_method_names = ["get", "patch", "delete", "head", "options"]
    lookup_value_regex = DIGITS
    selector = agenda_item_list_for_user
    update_service = services.agenda_item_update
    instance_kwarg = "item"

    def scope_of(self, instance: AgendaItem):
        return instance.meeting.project

    def perform_destroy(self, instance: AgendaItem) -> None:
        services.agenda_item_remove(item=instance)


# --- Decision classes ----------------------------------------------------------------------------


class DecisionClassSerializer(serializers.ModelSerializer):
    quorum = serializers.SerializerMethodField(help_text=_('The quorum as a fraction, "1/2".'))
    threshold = serializers.SerializerMethodField(help_text=_('The threshold, "2/3".'))

    class Meta:
        model = DecisionClass
        fields = [
            "id",
            "project",
            "name",
            "description",
            "method",
            "electorate",
            "quorum_numerator",
            "quorum_denominator",
            "quorum",
            "threshold_numerator",
            "threshold_denominator",
            "threshold",
            "threshold_inclusive",
            "abstentions_count_for_quorum",
            "min_notice_days",
            "review_months",
            "secret",
        ]
        # The rules (shares, consent in the open, the name once) are the service's.
        validators: list = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if _is_update(self):
            self.fields["project"].read_only = True
        restrict_related(self, project=member_project_list)

    @staticmethod
    def _fraction(numerator: int, denominator: int) -> str:
        """Exact and reduced: 2/3, 1/2, and 1 for 3/3."""
        value = Fraction(numerator, denominator or 1)
        return str(value)

    def get_quorum(self, decision_class: DecisionClass) -> str:
        return self._fraction(decision_class.quorum_numerator, decision_class.quorum_denominator)

    def get_threshold(self, decision_class: DecisionClass) -> str:
        return self._fraction(
            decision_class.threshold_numerator, decision_class.threshold_denominator
        )


class DecisionClassFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")

    class Meta:
        model = DecisionClass
        fields = ["project", "method"]


class DecisionClassViewSet(mixins.DestroyModelMixin, ServiceViewSet):
    """The bylaws' decision classes of the user's projects; managers define them."""

    serializer_class = DecisionClassSerializer
    filterset_class = DecisionClassFilter
    permission_classes = [*AUTHENTICATED, CanManageProject]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = DIGITS
    selector = decision_class_list_for_user
    create_service = services.decision_class_create
    update_service = services.decision_class_update
    scope_field = "project"
    instance_kwarg = "decision_class"

    def scope_of(self, instance: DecisionClass):
        return instance.project

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description=_("Proposals were made under this class.")),
        }
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: DecisionClass) -> None:
        services.decision_class_delete(decision_class=instance)
