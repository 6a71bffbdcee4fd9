"""The decision register of the user's projects, searchable, and its CSV export."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer

from api.base import AUTHENTICATED
from api.common import DIGITS, CsvRenderer
from api.filters import IdFilter
from api.governance.proposal_serializers import DecisionDetailSerializer, DecisionSerializer
from common.csv_export import csv_response
from governance.models import Decision
from governance.selectors.proposals import (
    DECISION_CSV_HEADER,
    decision_csv_rows,
    decision_list_for_user,
)


class DecisionFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    proposal = IdFilter(field_name="proposal_id")

    class Meta:
        model = Decision
        fields = ["project", "proposal", "passed"]


SEARCH = OpenApiParameter(
    "q", str, description=_("Words in the title, the text, the decision class or the outcome.")
)


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The decision register of the projects the user lives in or manages."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    permission_classes = AUTHENTICATED
    lookup_value_regex = DIGITS

    def get_queryset(self) -> QuerySet[Decision]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no user
            return Decision.objects.none()
        search = self.request.query_params.get("q", "").strip()
        return decision_list_for_user(user=self.request.user, search=search)

    def get_serializer_class(self):
        return DecisionDetailSerializer if self.action == "retrieve" else DecisionSerializer

    @extend_schema(parameters=[SEARCH])
    def list(self, request, *args, **kwargs):
        """The decisions, newest first; ``?q=`` searches them."""
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[SEARCH], filters=True, responses={(200, "text/csv"): OpenApiTypes.STR}
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[JSONRenderer, CsvRenderer],
        pagination_class=None,
    )
    def export(self, request):
        """The register as CSV, one row per decision with the rules applied, for a spreadsheet."""
        decisions = self.filter_queryset(self.get_queryset())
        slugs = list(decisions.order_by().values_list("project__slug", flat=True).distinct()[:2])
        return csv_response(
            filename=f"decisions-{slugs[0]}.csv" if len(slugs) == 1 else "decisions.csv",
            header=DECISION_CSV_HEADER,
            rows=decision_csv_rows(decisions=decisions),
        )
