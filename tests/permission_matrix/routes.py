"""Every route of the site, read from the URL configuration, and the operations each offers.

A route is known by its name (by its pattern when it has none). The API's routes offer the
methods their view handles (a viewset's router mapping, or an APIView's handlers); a page offers
GET, and POST where the matrix says so. The API's format-suffix twins (``bookings.json``) are
the same view under the same name, and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# A parameter of a route, in either syntax: ``<int:pk>`` or ``(?P<pk>[0-9]+)``, with the path
# segment before it, which says what kind of object it names ("households/<int:pk>/").
_PARAMETER = re.compile(
    r"(?:([\w.-]+)/)?(?:<(?:\w+:)?(\w+)>|\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\))"
)


@dataclass(frozen=True)
class Route:
    key: str  # its name, or its pattern when it has none
    pattern: str  # the whole pattern, from the root
    area: str  # "admin", "accounts", "api" or "page"
    view_methods: tuple[str, ...]  # what the view says it handles (API views); () for a page

    def parameters(self) -> list[tuple[str, str, str]]:
        """(name, the segment before it, its regular expression or "") of each parameter."""
        return [
            (path_name or regex_name, segment or "", regex or "")
            for segment, path_name, regex_name, regex in _PARAMETER.findall(self.pattern)
        ]

    def url(self, values: dict[str, str]) -> str:
        """The route's address with each parameter's value."""

        def value(match: re.Match) -> str:
            name = match.group(2) or match.group(3)
            segment = f"{match.group(1)}/" if match.group(1) else ""
            return segment + str(values[name])

        path = _PARAMETER.sub(value, self.pattern)
        return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def _area(pattern: str) -> str:
    for prefix, area in (("admin/", "admin"), ("accounts/", "accounts"), (API_PREFIX, "api")):
        if pattern.startswith(prefix):
            return area
    return "page"


def _view_methods(pattern: URLPattern) -> tuple[str, ...]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset: the router's mapping of methods to actions
        return tuple(method.upper() for method in actions if method != "head")
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return ()
    return tuple(
        method.upper()
        for method in ("get", "post", "put", "patch", "delete")
        if hasattr(view_class, method)
    )


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from _walk(entry, pattern, inner)
            continue
        if "(?P<format>" in pattern or "<drf_format_suffix:format>" in pattern:
            continue
        name = f"{namespace}{entry.name}" if entry.name else pattern
        yield Route(
            name, pattern, _area(pattern), _view_methods(entry) if _area(pattern) == "api" else ()
        )


def all_routes() -> list[Route]:
    """Every route, in the order the URL configuration lists them."""
    return list(_walk(get_resolver()))
