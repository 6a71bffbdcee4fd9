"""Pages for proposals."""

from __future__ import annotations

urlpatterns: list = []
