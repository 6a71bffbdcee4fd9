"""Cities and housing projects: onboarded by platform admins; a project's managers change its
settings."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import IdFilter
from api.permissions import CanManageProject
from members.models import City, HousingProject
from members.selectors import city_list_for_user, project_list_for_user
from members.services import project_settings_update


class CitySerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = [
            "id",
            "name",
            "slug",
            "country_code",
            "time_zone",
            "currency",
            "default_language",
        ]


class ProjectSerializer(serializers.ModelSerializer):
    city_name = serializers.CharField(source="city.name", read_only=True)

    class Meta:
        model = HousingProject
        fields = [
            "id",
            "city",
            "city_name",
            "name",
            "slug",
            "kind",
            "address",
            "units_count",
            "status",
            "pilot_start",
            "pilot_end",
            "income_validity_months",
            "income_retention_years",
        ]


class ProjectSettingsSerializer(serializers.Serializer):
    income_validity_months = serializers.IntegerField(required=False)
    income_retention_years = serializers.IntegerField(required=False)


class CityFilter(django_filters.FilterSet):
    class Meta:
        model = City
        fields = ["country_code", "slug"]


class ProjectFilter(django_filters.FilterSet):
    city = IdFilter(field_name="city_id")

    class Meta:
        model = HousingProject
        fields = ["city", "kind", "status", "slug"]


class CityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CitySerializer
    filterset_class = CityFilter

    queryset = City.objects.none()  # for the OpenAPI generator

    def get_queryset(self):
        return city_list_for_user(user=self.request.user).order_by("name", "pk")


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter

    queryset = HousingProject.objects.none()  # for the OpenAPI generator

    def get_queryset(self):
        return project_list_for_user(user=self.request.user).order_by("city__name", "name", "pk")

    @extend_schema(request=ProjectSettingsSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["patch"], url_path="settings")
    def project_settings(self, request, pk=None):
        """A manager changes how long income declarations count and how long they are kept."""
        project = self.get_object()
        if not CanManageProject().has_object_permission(request, self, project):
            self.permission_denied(request, message=CanManageProject.message)
        data = ProjectSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_settings_update(project=project, **data.validated_data)
        return Response(self.get_serializer(project).data)
