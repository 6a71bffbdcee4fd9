"""API tokens expire, are listed and revoked by their owner, and die with the password they were
taken with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # UserFactory's


def sign_in(user) -> dict:
    answer = APIClient().post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert answer.status_code == 200, answer.content
    return answer.json()


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_works_until_it_expires_then_a_new_one_is_issued(settings):
    user = UserFactory()
    issued = sign_in(user)
    expires = dt.datetime.fromisoformat(issued["expires_at"])
    created = Token.objects.get(user=user).created
    assert expires - created == dt.timedelta(days=30)
    assert with_token(issued["token"]).get("/api/v1/me/").status_code == 200

    Token.objects.filter(user=user).update(created=created - dt.timedelta(days=31))
    expired = with_token(issued["token"]).get("/api/v1/me/")
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    renewed = sign_in(user)
    assert renewed["token"] != issued["token"]
    assert with_token(renewed["token"]).get("/api/v1/me/").status_code == 200


def test_the_owner_lists_and_revokes_their_tokens_and_sees_no_one_elses():
    user, other = UserFactory(), UserFactory()
    key = sign_in(user)["token"]
    sign_in(other)
    client = with_token(key)
    listed = client.get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    assert [row["ends_with"] for row in listed.json()] == [key[-4:]]
    assert "token" not in listed.json()[0]  # the secret is shown once, at sign-in
    assert client.delete("/api/v1/auth/tokens/").status_code == 204
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert Token.objects.filter(user=other).exists()
    assert APIClient().get("/api/v1/auth/tokens/").status_code in (401, 403)


def test_changing_the_password_revokes_the_tokens_taken_with_the_old_one():
    user = UserFactory()
    key = sign_in(user)["token"]
    page = Client()
    page.force_login(user)
    changed = page.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a new long passphrase",
            "password2": "a new long passphrase",
        },
    )
    assert changed.status_code == 302, changed.content
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user=user).exists()


def test_saving_a_user_without_a_new_password_keeps_their_token():
    user = UserFactory()
    key = sign_in(user)["token"]
    user.first_name = "Renamed"
    user.save()
    assert with_token(key).get("/api/v1/me/").status_code == 200
