"""Security keys and passkeys (WebAuthn): a second factor that staff may set up instead of the
authenticator app, and, for a passkey, a sign-in on its own. The browser's side is played by
tests.factories.SoftPasskey; tests/browser/test_passkeys.py runs the same in Chromium."""

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import reverse

from tests.conftest import api_client_for
from tests.factories import (
    STAFF_WITHOUT_MFA,
    HouseholdFactory,
    ProjectFactory,
    SoftPasskey,
    give_passkey,
    make_manager,
    make_resident_user,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the factories' password
REQUIRED = "/accounts/two-factor-required/"


@pytest.fixture
def client() -> Client:
    # WebAuthn binds a key to the site's host, and accepts plain http for localhost only.
    return Client(SERVER_NAME=SoftPasskey.RP_ID)


@pytest.fixture
def project():
    return ProjectFactory()


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _sign_in_with_password(client, user) -> str:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response.url


# --- A key is a second factor -------------------------------------------------------------


@pytest.mark.parametrize("make_staff", STAFF_WITHOUT_MFA.values(), ids=STAFF_WITHOUT_MFA.keys())
def test_staff_with_a_security_key_alone_reach_their_pages_and_the_api(client, project, make_staff):
    staff = make_staff(project)
    client.force_login(staff)
    assert client.get("/").url == f"{REQUIRED}?next=/"

    give_passkey(staff)

    assert client.get("/").status_code == 200
    assert client.get(REQUIRED).url == "/"  # nothing left to set up
    assert api_client_for(staff).get("/api/v1/me/").json()["mfa_required"] is False
    assert api_client_for(staff).get("/api/v1/projects/").status_code == 200


def test_removing_the_only_key_asks_for_a_second_factor_again(client, project):
    manager = make_manager(project, mfa=False)
    give_passkey(manager)
    client.force_login(manager)
    assert client.get("/").status_code == 200

    Authenticator.objects.filter(user=manager, type=Authenticator.Type.WEBAUTHN).delete()

    assert client.get("/").url == f"{REQUIRED}?next=/"


def test_the_page_that_asks_for_a_second_factor_offers_a_key_too(client, project):
    client.force_login(make_manager(project, mfa=False))

    page = client.get(REQUIRED).content.decode()

    assert f'href="{reverse("mfa_activate_totp")}"' in page
    assert f'href="{reverse("mfa_add_webauthn")}"' in page


# --- Adding, renaming and removing a key ----------------------------------------------------


def test_a_manager_adds_a_passkey_and_then_reaches_their_pages(client, project):
    manager = make_manager(project, mfa=False)
    client.force_login(manager)

    asked = client.get(reverse("mfa_add_webauthn"))
    assert asked.url.startswith(reverse("account_reauthenticate"))  # the password again first
    client.post(asked.url, {"password": PASSWORD})
    form_page = client.get(reverse("mfa_add_webauthn"))
    assert form_page.status_code == 200
    page = form_page.content.decode()
    assert 'id="mfa_webauthn_add"' in page
    assert '<label for="id_name">Name of the key:</label>' in page
    assert "<script>" not in page  # nothing inline for the Content Security Policy to refuse

    passkey = SoftPasskey()
    credential = passkey.register(form_page.context["js_data"]["creation_options"])
    done = client.post(
        reverse("mfa_add_webauthn"),
        {"name": "My phone", "passwordless": "on", "credential": json.dumps(credential)},
    )

    assert done.status_code == 302
    assert done.url == reverse("mfa_view_recovery_codes")  # the first factor brings them
    key = Authenticator.objects.get(user=manager, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "My phone"
    assert key.wrap().is_passwordless is True
    assert client.get(reverse("project_detail", args=[project.pk])).status_code == 200


def test_a_credential_not_made_for_this_page_is_refused(client, project):
    manager = make_manager(project, mfa=False)
    client.force_login(manager)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_add_webauthn"))
    # Signed over another challenge than the page's: replayed, or made for another page.
    stale = SoftPasskey().register(
        {"publicKey": {"challenge": "AAAAAAAAAAAAAAAAAAAAAA", "user": {"id": "MQ"}}}
    )

    refused = client.post(
        reverse("mfa_add_webauthn"), {"name": "Stolen", "credential": json.dumps(stale)}
    )

    assert refused.status_code == 200
    page = refused.content.decode()
    assert 'class="error-summary"' in page
    assert "<li>Incorrect code.</li>" in page
    assert not Authenticator.objects.filter(user=manager).exists()
    assert client.get("/").url == f"{REQUIRED}?next=/"


def test_the_list_of_keys_renames_and_removes_them_in_a_fixed_number_of_queries(
    client, project, django_assert_max_num_queries
):
    manager = make_manager(project, mfa=False)
    give_passkey(manager, name="Phone")
    client.force_login(manager)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_list_webauthn"))  # the session's user cached like any later page

    with django_assert_max_num_queries(8) as one_key:
        client.get(reverse("mfa_list_webauthn"))
    give_passkey(manager, name="Laptop")
    give_passkey(manager, name="Key ring")
    with django_assert_max_num_queries(len(one_key.captured_queries)):
        page = client.get(reverse("mfa_list_webauthn")).content.decode()
    assert all(name in page for name in ("Phone", "Laptop", "Key ring"))
    assert page.count('<span class="badge ok">Passkey</span>') == 3

    key = Authenticator.objects.filter(user=manager, data__name="Phone").get()
    empty = client.post(reverse("mfa_edit_webauthn", args=[key.pk]), {"name": ""})
    assert empty.status_code == 200
    assert "Name of the key: This field is required." in empty.content.decode()
    client.post(reverse("mfa_edit_webauthn", args=[key.pk]), {"name": "Old phone"})
    key.refresh_from_db()
    assert key.wrap().name == "Old phone"

    assert client.post(reverse("mfa_remove_webauthn", args=[key.pk])).status_code == 302
    assert not Authenticator.objects.filter(pk=key.pk).exists()


def test_another_users_key_is_not_found(client, project):
    other = make_manager(project)
    give_passkey(other)
    key = Authenticator.objects.get(user=other, type=Authenticator.Type.WEBAUTHN)
    client.force_login(make_resident_user(HouseholdFactory(project=project)))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    assert client.get(reverse("mfa_edit_webauthn", args=[key.pk])).status_code == 404
    assert client.post(reverse("mfa_remove_webauthn", args=[key.pk])).status_code == 404
    assert Authenticator.objects.filter(pk=key.pk).exists()


# --- Signing in with a key after the password -----------------------------------------------


def test_sign_in_asks_for_the_key_after_the_password_and_lets_the_right_one_in(client, project):
    manager = make_manager(project, mfa=False)
    passkey = give_passkey(manager)

    assert _sign_in_with_password(client, manager) == reverse("mfa_authenticate")
    asked = client.get(reverse("mfa_authenticate"))
    page = asked.content.decode()
    assert 'id="mfa_webauthn_authenticate"' in page
    assert not _signed_in(client)

    # A key the account does not have is refused, and said so.
    stranger = SoftPasskey(user_handle=passkey.user_handle)
    wrong = client.post(
        reverse("mfa_authenticate"),
        {"credential": json.dumps(stranger.sign_in(asked.context["js_data"]["request_options"]))},
    )
    assert wrong.status_code == 200
    assert "This security key or passkey was not accepted." in wrong.content.decode()
    assert not _signed_in(client)

    options = wrong.context["js_data"]["request_options"]  # each page asks anew
    right = client.post(
        reverse("mfa_authenticate"), {"credential": json.dumps(passkey.sign_in(options))}
    )
    assert right.status_code == 302
    assert _signed_in(client)
    assert client.get(reverse("project_detail", args=[project.pk])).status_code == 200


def test_an_account_with_the_authenticator_app_only_is_not_offered_a_key(client, project):
    manager = make_manager(project)  # an authenticator app, no key

    _sign_in_with_password(client, manager)
    page = client.get(reverse("mfa_authenticate")).content.decode()

    assert 'name="code"' in page
    assert 'id="mfa_webauthn_authenticate"' not in page


# --- Signing in with a passkey alone ------------------------------------------------------


def _passkey_login(client, passkey: SoftPasskey):
    options = client.get(reverse("mfa_login_webauthn"), HTTP_ACCEPT="application/json").json()
    return client.post(
        reverse("mfa_login_webauthn"),
        {"credential": json.dumps(passkey.sign_in(options["request_options"]))},
    )


def test_the_sign_in_page_offers_a_passkey(client):
    page = client.get(reverse("account_login")).content.decode()

    assert 'id="passkey_login"' in page
    assert f'action="{reverse("mfa_login_webauthn")}"' in page
    assert "<script>" not in page


def test_a_resident_signs_in_with_a_passkey_alone(client, project):
    resident = make_resident_user(HouseholdFactory(project=project))
    passkey = give_passkey(resident)

    response = _passkey_login(client, passkey)

    assert response.status_code == 302
    assert _signed_in(client)
    assert client.get(reverse("project_detail", args=[project.pk])).status_code == 200


def test_a_manager_signing_in_with_a_passkey_alone_has_both_factors(client, project):
    manager = make_manager(project, mfa=False)
    passkey = give_passkey(manager)

    _passkey_login(client, passkey)

    assert _signed_in(client)
    assert client.get(reverse("project_detail", args=[project.pk])).status_code == 200


def test_a_passkey_of_no_account_signs_nobody_in(client, project):
    resident = make_resident_user(HouseholdFactory(project=project))
    give_passkey(resident)
    forged = SoftPasskey(user_handle=b"not-a-user")

    refused = _passkey_login(client, forged)

    assert refused.url == reverse("account_login")
    assert not _signed_in(client)
    assert "Incorrect code." in client.get(refused.url).content.decode()


# --- API clients ----------------------------------------------------------------------------


def test_staff_with_a_key_alone_get_an_api_token_with_a_recovery_code(project):
    # An API client cannot hold a key: the recovery codes that come with it stand in.
    manager = make_manager(project, mfa=False)
    give_passkey(manager)
    code = RecoveryCodes.activate(manager).get_unused_codes()[0]
    api = api_client_for(None)
    credentials = {"email": manager.email, "password": PASSWORD}

    assert api.post("/api/v1/auth/token/", credentials, format="json").status_code == 400
    token = api.post("/api/v1/auth/token/", {**credentials, "code": code}, format="json")
    assert token.status_code == 200
