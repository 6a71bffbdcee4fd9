"""What every page checks and does around a write: refuse, go back where it came from, redirect."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect


def require(allowed: bool) -> None:
    """A page the user may see but not act on answers 403."""
    if not allowed:
        raise PermissionDenied


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful write: htmx follows with a full page load (so the message shows)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
