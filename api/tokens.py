"""API tokens: issued on sign-in, valid for ``settings.API_TOKEN_LIFETIME`` from their issue,
listed and revoked by their owner, and revoked whenever the owner's password changes (a token
taken with an old password must not outlive it)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from members.models import User
from members.personal_data import Erased
from members.selectors import user_list_with_mfa_due


def token_expires_at(token: Token) -> dt.datetime:
    return token.created + settings.API_TOKEN_LIFETIME


def token_issue(*, user: User) -> Token:
    """The user's token, a new one in place of an expired one."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and token_expires_at(token) <= timezone.now():
            token.delete()
            token = None
        return token or Token.objects.create(user=user)


def token_list_for_user(*, user: User) -> list[Token]:
    return list(Token.objects.filter(user=user))


def tokens_revoke(*, user: User) -> int:
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return deleted


def tokens_erase(*, erased: Erased) -> None:
    """A removed resident's API tokens go with their account."""
    if erased.user is not None:
        tokens_revoke(user=erased.user)


def revoke_tokens_on_password_change(sender, instance: User, **kwargs) -> None:
    """pre_save of a user: a changed password hash revokes their tokens, whatever changed it
    (the account page, a reset link, the admin, a shell)."""
    if instance.pk is None or kwargs.get("raw"):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        tokens_revoke(user=instance)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token past its lifetime; the user is read with
    whether they owe a second factor, in the token's one query."""

    def authenticate_credentials(self, key: str):
        user = (
            user_list_with_mfa_due(User.objects.filter(auth_token__key=key))
            .select_related("auth_token")
            .first()
        )
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = user.auth_token
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed(_("This token has expired: sign in again."))
        return user, token
