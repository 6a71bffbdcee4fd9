"""Proxies: the votes a user gave or holds, grant and revoke."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from api.base import AUTHENTICATED, ServiceMixin
from api.common import DIGITS, restrict_related
from api.filters import IdFilter
from api.governance.base import CONFLICT, member_meetings, member_projects, member_residents
from api.schema import BAD_INPUT, REFUSED
from governance.models import Meeting, Proposal, Proxy
from governance.selectors.proposal_pages import proxy_holder_candidate_list, today_in
from governance.selectors.proposals import proposal_list_for_user, proxy_list_for_user
from governance.services.ballots import resident_in_project
from governance.services.proxies import proxy_grant, proxy_revoke
from members.models import HousingProject, Resident
from members.selectors import household_of_user, user_can_manage_project


class ProxySerializer(serializers.ModelSerializer):
    grantor_name = serializers.CharField(source="grantor.full_name", read_only=True)
    holder_name = serializers.CharField(source="holder.full_name", read_only=True)
    scope_title = serializers.SerializerMethodField(help_text=_("The meeting or the proposal."))
    active = serializers.SerializerMethodField()
    used = serializers.SerializerMethodField(help_text=_("The holder has voted with it."))

    class Meta:
        model = Proxy
        fields = [
            "id",
            "project",
            "grantor",
            "grantor_name",
            "holder",
            "holder_name",
            "meeting",
            "proposal",
            "scope_title",
            "created_at",
            "revoked_at",
            "active",
            "used",
        ]
        read_only_fields = fields

    def get_scope_title(self, proxy: Proxy) -> str:
        return (proxy.meeting or proxy.proposal).title

    def get_active(self, proxy: Proxy) -> bool:
        return proxy.revoked_at is None

    def get_used(self, proxy: Proxy) -> bool:
        return bool(getattr(proxy, "used", False))


class ProxyInput(serializers.Serializer):
    grantor = serializers.PrimaryKeyRelatedField(
        queryset=Resident.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Whose vote is given: yourself by default; a manager may name a resident."),
    )
    holder = serializers.PrimaryKeyRelatedField(
        queryset=Resident.objects.none(), help_text=_("Who votes for them.")
    )
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Every proposal of this meeting; or give a proposal instead."),
    )
    proposal = serializers.PrimaryKeyRelatedField(
        queryset=Proposal.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        restrict_related(
            self,
            grantor=member_residents,
            holder=member_residents,
            meeting=member_meetings,
            proposal=proposal_list_for_user,
        )

    def validate(self, attrs: dict) -> dict:
        if (attrs.get("meeting") is None) == (attrs.get("proposal") is None):
            raise ValidationError({"proposal": [_("A proxy is for one meeting or one proposal.")]})
        return attrs


class ProxyFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    proposal = IdFilter(field_name="proposal_id")
    meeting = IdFilter(field_name="meeting_id")
    active = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", label=_("not revoked")
    )

    class Meta:
        model = Proxy
        fields = ["project", "proposal", "meeting", "active"]


class ProxyHolderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    unit = serializers.CharField(source="household.unit_label")


class ProxyViewSet(
    ServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The proxies the user gave or holds, and every proxy of the projects they manage."""

    serializer_class = ProxySerializer
    filterset_class = ProxyFilter
    permission_classes = AUTHENTICATED
    http_method_names = ["get", "post", "delete", "head", "options"]
    lookup_value_regex = DIGITS
    selector = proxy_list_for_user

    def scope_of(self, instance: Proxy) -> HousingProject:
        return instance.project

    def _grantor(self, given: Resident | None, project: HousingProject) -> Resident:
        """A resident gives their own vote; a manager records a resident's proxy for them."""
        user = self.request.user
        if given is None:
            household = household_of_user(user=user, project=project)
            own = household.residents.filter(user=user).first() if household else None
            if own is None:
                raise ValidationError(
                    {"grantor": [_("You do not live in this project: say whose proxy this is.")]}
                )
            return own
        if given.user_id != user.pk and not user_can_manage_project(user=user, project=project):
            raise PermissionDenied(
                _("You give only your own proxy; a manager may record one for a resident.")
            )
        return given

    def _revoke(self) -> Proxy:
        proxy = self.get_object()
        user = self.request.user
        if proxy.grantor.user_id != user.pk and not user_can_manage_project(
            user=user, project=proxy.project
        ):
            raise PermissionDenied(_("Only the one who gave the proxy, or a manager, revokes it."))
        return proxy_revoke(proxy=proxy)

    @extend_schema(
        request=ProxyInput,
        responses={201: ProxySerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
    )
    def create(self, request, *args, **kwargs):
        """Give one's vote on a proposal, or on a meeting's proposals, to another resident."""
        data = ProxyInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        meeting, proposal = fields.get("meeting"), fields.get("proposal")
        grantor = self._grantor(fields.get("grantor"), (meeting or proposal).project)
        proxy = proxy_grant(
            grantor=grantor, holder=fields["holder"], meeting=meeting, proposal=proposal
        )
        proxy = self.get_queryset().get(pk=proxy.pk)
        return Response(self.get_serializer(proxy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, 403: REFUSED, 409: CONFLICT})
    def destroy(self, request, *args, **kwargs):
        """Revoke the proxy (409 once its holder has voted with it, or the vote is over)."""
        self._revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ProxySerializer, 403: REFUSED, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the proxy, as ``DELETE`` does, and show it."""
        proxy = self._revoke()
        return Response(self.get_serializer(self.get_queryset().get(pk=proxy.pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("project", int, required=True)],
        responses={200: ProxyHolderSerializer(many=True), 400: BAD_INPUT},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def holders(self, request):
        """Who may hold the user's proxy in a project: its adults living there today, by name."""
        try:
            project_id = int(request.query_params.get("project", ""))
        except ValueError:
            raise ValidationError({"project": [_("Give the project's id.")]}) from None
        project = get_object_or_404(member_projects(user=request.user), pk=project_id)
        grantor = resident_in_project(user=request.user, project_id=project.pk)
        holders = proxy_holder_candidate_list(
            project=project, grantor=grantor, today=today_in(project)
        )
        return Response(ProxyHolderSerializer(holders, many=True).data)
