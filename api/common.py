"""What the API modules share: the id pattern of the routes, the renderers of the exports, the
time field, and the restriction of related fields to what the asking user may see (the
documented error answers are in api.schema)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer

from common.calendars import calendar_response
from common.validation import validate_plausible_date

DIGITS = r"[0-9]+"  # an object's id in a route: "bookings/cancel-away/" is not one
ID_MAX = 2**63 - 1  # PostgreSQL's largest bigint: a larger id is no object's, and no query's


def restrict_related(
    serializer: serializers.Serializer, **querysets: Callable[..., QuerySet[Any]]
) -> None:
    """Point the writable related fields at what the asking user may name, each through its
    ``queryset_for(user=...)``: anything else is "invalid", the same answer as for an id that
    does not exist."""
    request = serializer.context.get("request")
    if request is None or not request.user.is_authenticated:
        return
    for name, queryset_for in querysets.items():
        if name in serializer.fields and not serializer.fields[name].read_only:
            serializer.fields[name].queryset = queryset_for(user=request.user)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time with its offset. A naive one is refused rather than guessed: the
    same wall clock means different instants in the server's zone and the project's."""

    default_error_messages = {"naive": _("Give times with their time zone.")}
    default_validators = [validate_plausible_date]

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class CsvRenderer(BaseRenderer):
    """For content negotiation only: the export is written as text already."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes | str):
            return data.encode() if isinstance(data, str) else data
        return json.dumps(data, default=str).encode()  # an error, said to a CSV client


class CalendarRenderer(BaseRenderer):
    """For content negotiation only: the calendar itself is returned as bytes already."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, default=str).encode()  # an error said to a calendar client


class CalendarFileMixin:
    """One ``.ics`` action for every resource that is an event in a calendar (bookings,
    meetings): the viewset names the file and writes the calendar, the action does the rest."""

    calendar_name = "event"  # the file's name before its id: booking-12.ics

    def calendar_content(self, request: Any, obj: Any) -> bytes:
        raise NotImplementedError

    @extend_schema(
        responses={(200, "text/calendar"): OpenApiTypes.BINARY}, filters=False, request=None
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, CalendarRenderer],
        filter_backends=[],
    )
    def ics(self, request: Any, pk: Any = None) -> HttpResponse:
        """The object as an iCalendar file, to add to a calendar by hand."""
        obj = self.get_object()  # type: ignore[attr-defined]
        return calendar_response(
            self.calendar_content(request, obj), filename=f"{self.calendar_name}-{obj.pk}.ics"
        )
