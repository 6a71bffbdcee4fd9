"""Pages for meetings."""

from __future__ import annotations

urlpatterns: list = []
