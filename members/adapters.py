"""django-allauth adapter: accounts come from accepting an invitation, never open sign-up;
wrong passwords are counted per account as well (members.sign_in_limits)."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from members.sign_in_limits import sign_in_failure_record, sign_in_failures_clear, sign_in_held


def _email(credentials: dict[str, Any]) -> str:
    return credentials.get("email") or credentials.get("username") or ""


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def authenticate(self, request: HttpRequest, **credentials: Any):
        user = super().authenticate(request, **credentials)
        email = _email(credentials)
        held = sign_in_held(email=email, user=user)
        if user is None:
            sign_in_failure_record(email=email)
        if held:
            raise self.validation_error("too_many_login_attempts")
        return user

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # A password reset: the owner proved they hold the address.
        super()._delete_login_attempts_cached_email(request, **credentials)
        sign_in_failures_clear(email=_email(credentials))
