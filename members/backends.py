"""Django's and allauth's authentication backends, loading the session's user together with
whether they still owe a second factor (``members.selectors.user_must_set_up_mfa``), so that
checking it on every request costs no query of its own."""

from allauth.account import auth_backends
from django.contrib.auth import backends

from members.models import User
from members.selectors import user_list_with_mfa_due


def _user_with_mfa_due(backend: backends.ModelBackend, user_id: int) -> User | None:
    user = user_list_with_mfa_due(User._default_manager.filter(pk=user_id)).first()
    return user if user is not None and backend.user_can_authenticate(user) else None


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id: int) -> User | None:
        return _user_with_mfa_due(self, user_id)


class AuthenticationBackend(auth_backends.AuthenticationBackend):
    def get_user(self, user_id: int) -> User | None:
        return _user_with_mfa_due(self, user_id)
