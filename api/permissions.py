"""Object permissions for writes, backed by django-guardian (through members.selectors).

Reads need no check here: every queryset comes from a selector that already holds only what
the user may see, so an object outside it answers 404 and leaks nothing.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from members.models import Household
from members.selectors import (
    user_can_edit_household_members,
    user_can_manage_project,
    user_must_set_up_mfa,
)


class MfaSetUp(BasePermission):
    """Staff answer only once they have set up two-factor sign-in (the pages send them to set
    it up: members.middleware.MfaRequiredMiddleware). Residents are never asked."""

    message = _("Set up two-factor sign-in first.")

    def has_permission(self, request, view) -> bool:
        return not user_must_set_up_mfa(user=request.user)


class CanManageProject(BasePermission):
    """The target is a project (or a household, for its project): only its managers write."""

    message = _("Only the managers of this project may do this.")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        project = obj.project if isinstance(obj, Household) else obj
        return user_can_manage_project(user=request.user, project=project)


class CanEditHouseholdMembers(BasePermission):
    """The target is a household: its project's managers and its representative write."""

    message = _("Only the household's representative or the project's managers may do this.")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return user_can_edit_household_members(user=request.user, household=obj)
