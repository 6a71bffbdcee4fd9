"""Headers every answer carries: what the browser may use, and that a signed-in person's pages
are not to be stored."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivateAnswersMiddleware:
    """A signed-in person's pages and API answers are theirs: incomes, ballots, names. They
    are never stored by a browser's disk cache or a shared proxy (``Cache-Control: no-store``),
    unless the view said otherwise (a calendar feed meant to be fetched by a calendar app)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class PermissionsPolicyMiddleware:
    """No page needs the camera, the microphone or the location: the browser refuses them to
    anything a page might load (``settings.PERMISSIONS_POLICY``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response
