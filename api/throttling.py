"""Request rates, counted in the cache (Redis). A cache that cannot be reached does not take the
API down with it: the count is skipped, and the request goes on (fail open) — a guessing client
gains the minutes of an outage, every other client keeps working."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)


class FailOpen:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError):
            logger.warning("The cache is unreachable: %s is not counted.", type(self).__name__)
            return True


class UserRateThrottle(FailOpen, throttling.UserRateThrottle):
    """Signed-in clients, per user (rate ``user``)."""


class AnonRateThrottle(FailOpen, throttling.AnonRateThrottle):
    """Signed-out clients, per client address (rate ``anon``)."""


class SignInAccountThrottle(FailOpen, throttling.SimpleRateThrottle):
    """Password guesses at one account, from any number of addresses (rate ``sign_in_account``).
    The address limit (``anon``) stops one client guessing at many accounts."""

    scope = "sign_in_account"

    def get_cache_key(self, request, view) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}
