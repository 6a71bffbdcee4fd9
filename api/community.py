"""Cities and housing projects: read-only here, onboarded by platform admins."""

import django_filters
from rest_framework import serializers, viewsets

from api.filters import IdFilter
from members.models import City, HousingProject
from members.selectors import city_list_for_user, project_list_for_user


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
        ]


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
