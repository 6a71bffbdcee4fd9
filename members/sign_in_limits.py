"""Wrong passwords at one account, counted from every address, on every door that takes a
password (the site's sign-in, which the admin's uses too, and the API's token sign-in).

Past the limit, the account is held for the rest of the window: a wrong password, or a right one
alone, is refused with "too many attempts". Its owner is not locked out by someone else's
guessing, though, when the account has a second factor: with the right password they go on to
the second step, which still stands between a guesser and the account and is limited per user
on its own (allauth's ``login_failed`` for the code). An account with a password alone stays
held until the window has passed or its owner resets the password.

Counted in the cache (Redis): while Redis is unreachable the count is off, as every rate is
(common.cache).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from members.models import User
from members.selectors import user_has_second_factor


def _key(email: str) -> str:
    # Hashed, so that the cache holds no e-mail address.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"sign-in-failures:{digest}"


def sign_in_failure_record(*, email: str) -> None:
    """Count a wrong password at ``email``'s account (the window starts at the first)."""
    key = _key(email)
    cache.add(key, 0, timeout=settings.SIGN_IN_FAILURE_WINDOW_SECONDS)
    cache.incr(key)


def sign_in_held(*, email: str, user: User | None) -> bool:
    """Whether a sign-in at ``email``'s account is refused for too many wrong passwords;
    ``user`` is the account the password opened, or None for a wrong one."""
    failures = cache.get(_key(email), 0)
    if failures < settings.SIGN_IN_FAILURES_PER_ACCOUNT:
        return False
    return user is None or not user_has_second_factor(user=user)


def sign_in_failures_clear(*, email: str) -> None:
    """Forget the wrong passwords at ``email``'s account (its owner reset the password)."""
    cache.delete(_key(email))
