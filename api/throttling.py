"""Request rates, counted in the cache (Redis; common.cache keeps the API answering, uncounted,
while Redis is unreachable)."""

from __future__ import annotations

from rest_framework import throttling


class SignInAccountThrottle(throttling.SimpleRateThrottle):
    """Password guesses at one account, from any number of addresses (rate ``sign_in_account``).
    The address limit (``anon``) stops one client guessing at many accounts."""

    scope = "sign_in_account"

    def get_cache_key(self, request, view) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}
