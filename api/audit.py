"""The audit log of a project: read-only, for its managers and platform admins."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from api.base import AUTHENTICATED
from api.money.base import managed_project_or_404
from api.schema import BAD_INPUT, UNKNOWN
from common.models import AuditAction, AuditEvent
from members.access import project_time_zone
from members.filters import AuditEventFilter
from members.selectors import audit_events_for_user


class AuditEventSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=AuditAction.choices, help_text=_("What was done."))
    actor = serializers.IntegerField(
        source="actor_id", allow_null=True, help_text=_("The account; none for the system.")
    )
    actor_label = serializers.CharField(
        help_text=_(
            "The account's e-mail address at the time, its number for acts on its own "
            "data, or “system”."
        )
    )
    detail = serializers.JSONField(help_text=_("Ids, kinds, months and statuses; no amounts."))

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "project_id",
            "city_id",
            "target_type",
            "target_id",
            "detail",
        ]


class ProjectTimeZoneFilterBackend(DjangoFilterBackend):
    """The audit filters' days are the project's days."""

    def get_filterset_kwargs(self, request, queryset, view) -> dict:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        project = getattr(view, "project", None)
        if project is not None:
            kwargs["time_zone"] = project_time_zone(project)
        return kwargs


class ProjectAuditEventsApi(generics.ListAPIView):
    """Managers of the project and platform admins: who granted or revoked roles, looked at or
    changed incomes, adopted schemes, ran charges, opened or closed votes, removed residents or
    exported data, and when; newest first, filtered by ``action`` and by days (``since``,
    ``until``, in the project's time zone). Anyone else: 404."""

    permission_classes = AUTHENTICATED
    serializer_class = AuditEventSerializer
    filter_backends = [ProjectTimeZoneFilterBackend]
    filterset_class = AuditEventFilter

    @extend_schema(
        operation_id="projects_audit_events_list",
        responses={200: AuditEventSerializer(many=True), 400: BAD_INPUT, 404: UNKNOWN},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no user
            return AuditEvent.objects.none()
        self.project = managed_project_or_404(user=self.request.user, pk=self.kwargs["pk"])
        return audit_events_for_user(user=self.request.user, project=self.project)
