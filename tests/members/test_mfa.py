"""Two-factor sign-in: offered to everyone, owed by staff before any page or API answer of
their role; the sign-in then asks for the authenticator app's code or a recovery code."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.models import RoleKind
from members.services import role_grant
from tests.conftest import api_client_for
from tests.factories import (
    STAFF_WITHOUT_MFA,
    TOTP_SECRET,
    HouseholdFactory,
    ProjectFactory,
    UserFactory,
    give_totp,
    make_manager,
    make_resident_user,
    totp_code,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the factories' password
REQUIRED = "/accounts/two-factor-required/"


@pytest.fixture
def project():
    return ProjectFactory()


def _sign_in(client, user) -> str:
    """Sign in with the password through the real page; where the site sends the browser."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response.url


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Who owes a second factor ---------------------------------------------------------------


@pytest.mark.parametrize("make_staff", STAFF_WITHOUT_MFA.values(), ids=STAFF_WITHOUT_MFA.keys())
def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, project, make_staff):
    staff = make_staff(project)
    client.force_login(staff)

    for page in ("/", reverse("project_detail", args=[project.pk]), "/admin/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url == f"{REQUIRED}?next={page}"

    page = client.get(REQUIRED)
    assert page.status_code == 200
    assert f'href="{reverse("mfa_activate_totp")}"' in page.content.decode()


def test_staff_without_a_second_factor_get_403_from_the_api_but_not_from_me(project):
    manager = make_manager(project, mfa=False)
    api = api_client_for(manager)

    response = api.get("/api/v1/projects/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Set up two-factor sign-in first."

    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["mfa_required"] is True
    assert [role["kind"] for role in me.json()["roles"]] == [RoleKind.MANAGER]


def test_token_clients_of_staff_without_a_second_factor_get_403(project):
    manager = make_manager(project, mfa=False)
    api = api_client_for(None)
    token = api.post(
        "/api/v1/auth/token/", {"email": manager.email, "password": PASSWORD}, format="json"
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    assert api.get("/api/v1/projects/").status_code == 403
    assert api.get("/api/v1/me/").json()["mfa_required"] is True


def test_staff_without_a_second_factor_still_reach_set_up_password_and_sign_out(client, project):
    client.force_login(make_manager(project, mfa=False))

    for name in ("mfa_index", "account_change_password"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.post(reverse("set_language"), {"language": "fr", "next": "/"}).status_code == 302
    client.post(reverse("account_logout"))
    assert not _signed_in(client)


def test_a_resident_is_never_asked_for_a_second_factor(client, project):
    resident = make_resident_user(HouseholdFactory(project=project))
    client.force_login(resident)

    assert client.get("/").status_code == 200
    assert client.get(reverse("project_detail", args=[project.pk])).status_code == 200
    assert client.get(REQUIRED).url == "/"  # nothing to explain: sent home
    assert api_client_for(resident).get("/api/v1/projects/").status_code == 200
    assert api_client_for(resident).get("/api/v1/me/").json()["mfa_required"] is False


def test_a_role_granted_later_asks_for_a_second_factor_from_the_next_page(client, project):
    user = make_resident_user(HouseholdFactory(project=project))
    client.force_login(user)
    assert client.get("/").status_code == 200

    role_grant(user=user, kind=RoleKind.MANAGER, project=ProjectFactory(city=project.city))

    assert client.get("/").url == f"{REQUIRED}?next=/"


def test_recovery_codes_alone_are_not_a_second_factor(client, project):
    manager = make_manager(project, mfa=False)
    RecoveryCodes.activate(manager)
    client.force_login(manager)

    assert client.get("/").status_code == 302


def test_the_account_page_offers_two_factor_sign_in_to_everyone(client, project):
    client.force_login(make_resident_user(HouseholdFactory(project=project)))

    page = client.get(reverse("account_change_password")).content.decode()

    assert f'href="{reverse("mfa_index")}"' in page


# --- Setting it up --------------------------------------------------------------------------


def test_a_manager_sets_up_the_authenticator_app_and_then_reaches_their_pages(client, project):
    manager = make_manager(project, mfa=False)
    assert _sign_in(client, manager) == "/"
    assert client.get("/").url == f"{REQUIRED}?next=/"

    # allauth asks for the password again before a change of sign-in factors.
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.url.startswith(reverse("account_reauthenticate"))
    client.post(asked.url, {"password": PASSWORD})
    form_page = client.get(reverse("mfa_activate_totp"))
    assert form_page.status_code == 200
    secret = form_page.context["form"].secret
    page = form_page.content.decode()
    assert f'<code id="authenticator_secret" class="secret">{secret}</code>' in page
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=manager).exists()

    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=manager, type=Authenticator.Type.TOTP).exists()

    assert client.get(reverse("project_detail", args=[project.pk])).status_code == 200
    assert client.get(REQUIRED).url == "/"
    assert api_client_for(manager).get("/api/v1/projects/").status_code == 200


# --- Signing in with it ---------------------------------------------------------------------


def test_sign_in_asks_for_the_code_refuses_a_wrong_one_and_lets_the_right_one_in(client, project):
    manager = make_manager(project)

    assert _sign_in(client, manager) == reverse("mfa_authenticate")
    assert not _signed_in(client)
    assert client.get("/").status_code == 302  # not in yet

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors
    assert not _signed_in(client)

    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert right.status_code == 302
    assert _signed_in(client)
    assert client.get(reverse("project_detail", args=[project.pk])).status_code == 200


def _guess_from_many_addresses(email: str, guesses: int) -> None:
    for n in range(guesses):
        page = Client(REMOTE_ADDR=f"198.51.100.{n}")
        answer = page.post(reverse("account_login"), {"login": email, "password": f"guess {n}"})
        assert answer.status_code == 200 and "_auth_user_id" not in page.session


def test_a_held_account_lets_its_owner_in_with_the_password_and_the_second_factor(
    client, project, settings
):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    manager = make_manager(project)
    _guess_from_many_addresses(manager.email, 3)
    guess = client.post(reverse("account_login"), {"login": manager.email, "password": "guess"})
    assert "Too many failed login attempts" in guess.content.decode()

    # The owner, elsewhere, with the right password, goes on to the second step, and in.
    assert _sign_in(client, manager) == reverse("mfa_authenticate")
    assert not _signed_in(client)
    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert right.status_code == 302 and _signed_in(client)


def test_a_held_account_without_a_second_factor_stays_held_until_a_password_reset(
    client, project, settings
):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    resident = make_resident_user(HouseholdFactory(project=project))
    _guess_from_many_addresses(resident.email, 3)
    held = client.post(reverse("account_login"), {"login": resident.email, "password": PASSWORD})
    assert held.status_code == 200
    assert "Too many failed login attempts" in held.content.decode()
    assert not _signed_in(client)

    client.post(reverse("account_reset_password"), {"email": resident.email})
    link = next(
        line
        for line in mail.outbox[-1].body.splitlines()
        if "/accounts/password/reset/key/" in line
    )
    form = client.get(link.strip(), follow=True)
    reset = client.post(
        form.redirect_chain[-1][0],
        {"password1": "a new long passphrase", "password2": "a new long passphrase"},
    )
    assert reset.status_code == 302
    signed_in = client.post(
        reverse("account_login"), {"login": resident.email, "password": "a new long passphrase"}
    )
    assert signed_in.status_code == 302 and _signed_in(client)


def test_a_recovery_code_signs_in_once(client, project):
    manager = make_manager(project)
    code = RecoveryCodes.activate(manager).get_unused_codes()[0]

    _sign_in(client, manager)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert _signed_in(client)

    client.post(reverse("account_logout"))
    _sign_in(client, manager)
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200
    assert not _signed_in(client)


def test_an_admin_with_a_second_factor_reaches_the_administration(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert Authenticator.objects.filter(user=admin).exists()  # the factory's default
    client.force_login(admin)

    assert client.get("/admin/").status_code == 200


def test_an_admin_without_a_second_factor_is_stopped_before_the_administration(client):
    admin = UserFactory(is_staff=True, is_superuser=True, mfa=False)
    client.force_login(admin)
    assert client.get("/admin/members/user/").url.startswith(REQUIRED)

    give_totp(admin)

    assert client.get("/admin/members/user/").status_code == 200


# --- API clients ----------------------------------------------------------------------------


def test_an_api_token_asks_staff_with_two_factor_sign_in_for_the_code(project):
    manager = make_manager(project)
    api = api_client_for(None)
    credentials = {"email": manager.email, "password": PASSWORD}

    missing = api.post("/api/v1/auth/token/", credentials, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"code": ["This field is required."]}
    wrong = api.post("/api/v1/auth/token/", {**credentials, "code": "000000"}, format="json")
    assert wrong.json() == {"code": ["Incorrect code."]}

    right = api.post("/api/v1/auth/token/", {**credentials, "code": totp_code()}, format="json")
    assert right.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {right.json()['token']}")
    assert api.get("/api/v1/projects/").status_code == 200


def test_an_api_token_takes_a_recovery_code_once(project):
    manager = make_manager(project)
    code = RecoveryCodes.activate(manager).get_unused_codes()[0]
    credentials = {"email": manager.email, "password": PASSWORD, "code": code}
    api = api_client_for(None)

    assert api.post("/api/v1/auth/token/", credentials, format="json").status_code == 200
    assert api.post("/api/v1/auth/token/", credentials, format="json").status_code == 400
