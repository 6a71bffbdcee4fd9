"""With Redis unreachable, signing in (web and API), resetting a password and the API keep
working: the cache answers as an empty one (common.cache), and only the rate limits it counts
are off until it is back."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # UserFactory's


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert cache.get("anything", "nothing") == "nothing"
    assert cache.add("lock", 1) is True


def test_web_sign_in_and_password_reset_work_with_the_cache_down(cache_down, side_a):
    user = side_a.resident_user
    client = Client()
    signed_in = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200
    reset = Client().post("/accounts/password/reset/", {"email": user.email})
    assert reset.status_code == 302
    assert [user.email] in [message.to for message in mail.outbox]


def test_the_api_and_its_token_sign_in_work_with_the_cache_down(cache_down, side_a):
    assert api_client_for(side_a.resident_user).get("/api/v1/me/").status_code == 200
    token = APIClient().post(
        "/api/v1/auth/token/", {"email": side_a.resident_user.email, "password": PASSWORD}
    )
    assert token.status_code == 200
