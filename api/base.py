"""The thin viewsets every writable collection uses: selectors read, services write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rest_framework import mixins, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from api.permissions import MfaSetUp


class ServiceMixin:
    """Reads through a selector and writes through services.

    - ``selector(user=...)`` returns what the user may see (anything else answers 404);
    - ``scope_of(instance)`` is the object the permission classes judge a write against (a
      project or a household); for a create, ``scope_field`` of the validated input names it;
    - ``create_service`` and ``update_service`` do the writes with the validated fields and
      ``service_arguments()``; the update service takes the instance as ``instance_kwarg``.
    """

    selector: ClassVar[Callable[..., Any]]
    create_service: ClassVar[Callable[..., Any]]
    update_service: ClassVar[Callable[..., Any]]
    scope_field: ClassVar[str]
    instance_kwarg: ClassVar[str]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no user
            return self.get_serializer_class().Meta.model.objects.none()
        return type(self).selector(user=self.request.user)

    def scope_of(self, instance: Any) -> Any:
        return getattr(instance, self.scope_field)

    def check_object_permissions(self, request, obj) -> None:
        APIView.check_object_permissions(self, request, self.scope_of(obj))

    def check_permission(self, permission: type[BasePermission], target: Any) -> None:
        """Check one more permission than the view's own, for an action that needs it."""
        if not permission().has_object_permission(self.request, self, target):
            self.permission_denied(self.request, message=getattr(permission, "message", None))

    def service_arguments(self) -> dict[str, Any]:
        """What the services need beyond the input (the acting user, for example)."""
        return {}

    def perform_create(self, serializer) -> None:
        APIView.check_object_permissions(
            self, self.request, serializer.validated_data[self.scope_field]
        )
        serializer.instance = type(self).create_service(
            **serializer.validated_data, **self.service_arguments()
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = type(self).update_service(
            **{self.instance_kwarg: serializer.instance}, **serializer.validated_data
        )


class ServiceViewSet(
    ServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]


class AppendOnlyViewSet(
    ServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """For history: rows are added, never edited."""

    http_method_names = ["get", "post", "delete", "head", "options"]


AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated, MfaSetUp]
