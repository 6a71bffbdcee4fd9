"""What the space and booking pages check first: who may see or manage which space or booking.

A space or booking outside what the user may see answers 404 (it does not exist for them); one
they see but may not manage answers 403.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from common.access import require
from community.bookings.models import Booking, Space
from community.bookings.selectors.bookings import booking_list_for_user
from community.bookings.selectors.spaces import space_list_for_user
from members.selectors import user_can_manage_project


def visible_space(request: HttpRequest, pk: int) -> Space:
    """A space of a project the user lives in or manages; any other does not exist for them."""
    return get_object_or_404(space_list_for_user(user=request.user), pk=pk)


def managed_space(request: HttpRequest, pk: int) -> Space:
    space = visible_space(request, pk)
    require(user_can_manage_project(user=request.user, project=space.project))
    return space


def visible_booking(request: HttpRequest, pk: int) -> Booking:
    """A booking of the user's own household, or of a project they manage."""
    return get_object_or_404(booking_list_for_user(user=request.user), pk=pk)
