"""The meetings API (DESIGN.md §6)."""

from __future__ import annotations

# (prefix, viewset, basename) for the router, and extra paths before it.
routes: list[tuple[str, type, str]] = []
urlpatterns: list = []
