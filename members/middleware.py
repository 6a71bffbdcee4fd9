from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from members.selectors import user_must_set_up_mfa


class UserLanguageMiddleware:
    """Speak the signed-in user's language unless this browser chose another one.

    Goes after LocaleMiddleware and AuthenticationMiddleware: the browser's explicit choice (the
    language cookie) wins, then the user's saved preference, then Accept-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user is not None
            and user.is_authenticated
            and user.language
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


# What a user who owes a second factor may still reach: the set-up itself (allauth's mfa_*
# pages, and the password check it may ask for first), their password, signing out, the
# language switch, and the page that explains. The API answers for itself (api.permissions).
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "mfa_required",
        "account_logout",
        "account_reauthenticate",
        "account_change_password",
        "account_set_password",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "set_language",
    }
)


class MfaRequiredMiddleware:
    """Send staff who have not set up two-factor sign-in to the page that asks them to, from
    every page of the site (members.selectors.user_must_set_up_mfa says who)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            match is None
            or (match.url_name or "").startswith("mfa_")
            or match.url_name in MFA_EXEMPT_URL_NAMES
            or request.path.startswith(("/api/", settings.STATIC_URL))
            or not user_must_set_up_mfa(user=request.user)
        ):
            return None
        return redirect_to_login(request.get_full_path(), reverse("mfa_required"), "next")
