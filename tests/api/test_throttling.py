"""Every door that takes a password counts the guesses: the API's token sign-in per client
address and per account (a forged X-Forwarded-For changes neither), the admin's sign-in through
the site's rate-limited one; and signed-in API clients have a rate too."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import api_client_for
from tests.factories import UserFactory, totp_code

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct horse battery"  # UserFactory's


def test_guesses_at_one_account_are_limited_from_any_address(settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    user = UserFactory()
    client = APIClient()
    answers = [
        client.post(
            TOKEN,
            {"email": user.email.upper(), "password": f"guess {n}"},
            REMOTE_ADDR=f"10.0.0.{n}",
        ).status_code
        for n in range(3)
    ]
    assert answers == [400, 400, 400]
    for password in ("guess 4", PASSWORD):  # held: a right password alone as well
        refused = client.post(
            TOKEN, {"email": user.email, "password": password}, REMOTE_ADDR="10.9.9.9"
        )
        assert refused.status_code == 429
        assert "Retry-After" in refused
    other = UserFactory()
    assert client.post(TOKEN, {"email": other.email, "password": PASSWORD}).status_code == 200


def test_a_held_account_lets_its_owner_in_with_the_password_and_the_second_factor(settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    owner = UserFactory(mfa=True)
    client = APIClient()
    for n in range(3):
        guess = {"email": owner.email, "password": f"guess {n}", "code": "123456"}
        assert client.post(TOKEN, guess, REMOTE_ADDR=f"10.0.0.{n}").status_code == 400
    assert (
        client.post(
            TOKEN, {"email": owner.email, "password": "guess 4", "code": totp_code()}
        ).status_code
        == 429
    )
    # The right password leads on to the second step only: without the code, no token.
    without_code = client.post(TOKEN, {"email": owner.email, "password": PASSWORD})
    assert without_code.status_code == 400
    assert "code" in without_code.json()
    signed_in = client.post(
        TOKEN, {"email": owner.email, "password": PASSWORD, "code": totp_code()}
    )
    assert signed_in.status_code == 200, signed_in.content
    assert signed_in.json()["token"]


def test_a_forged_forwarded_for_does_not_reset_the_address_limit(rates):
    rates(anon="3/hour")
    client = APIClient()
    answers = [
        client.post(
            TOKEN,
            {"email": f"someone{n}@example.org", "password": "guess"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(4)
    ]
    assert answers == [400, 400, 400, 429]


def test_signed_in_api_clients_are_limited(rates, side_a):
    rates(user="3/hour")
    client = api_client_for(side_a.resident_user)
    answers = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    # Limits are per user: a neighbour is not slowed down by another's use.
    assert api_client_for(side_a.manager).get("/api/v1/me/").status_code == 200


def test_the_admin_sign_in_is_the_sites_rate_limited_one(side_a):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    form = client.get("/admin/login/")
    assert form.status_code == 302
    assert form["Location"].startswith("/accounts/login/?next=")
    guess = client.post("/admin/login/", {"username": admin.email, "password": "guess"})
    assert guess.status_code == 302  # the admin's own form takes no password at all
    assert "_auth_user_id" not in client.session
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    resident = Client()
    resident.force_login(side_a.resident_user)
    assert resident.get("/admin/login/").status_code == 403
