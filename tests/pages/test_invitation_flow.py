"""Invitations end to end: the manager's form, the e-mail, the accept page, allauth afterwards."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone

from members import services
from members.models import Invitation, Resident, Role, RoleKind, User
from tests.factories import UserFactory
from tests.pages.helpers import field_errors, html

pytestmark = pytest.mark.django_db

EMAIL = "new.person@example.org"
PASSWORD = "Orchard-lantern-1987"
NEW_ACCOUNT = {
    "first_name": "New",
    "last_name": "Person",
    "birth_year": "1991",
    "password": PASSWORD,
    "password_again": PASSWORD,
}


def accept_path(message: mail.EmailMessage) -> str:
    """The path of the accept link in an invitation e-mail."""
    match = re.search(r"https?://\S+/invitations/[\w-]+/", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def invite(*, household, email=EMAIL, resident=None, invited_by=None) -> str:
    """An invitation made through the service; returns its accept path."""
    invitation = services.invitation_create(
        household=household, email=email, resident=resident, invited_by=invited_by
    )
    return f"/invitations/{invitation.token}/"


def test_invited_person_joins_the_household_and_signs_in_again(
    client, side_a, django_capture_on_commit_callbacks
):
    # The manager invites through the household's page.
    client.force_login(side_a.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/households/{side_a.household.pk}/invite/",
            {"email": EMAIL, "language": "en", "resident": ""},
            follow=True,
        )
    assert response.redirect_chain == [(f"/households/{side_a.household.pk}/", 302)]
    assert f"Invitation sent to {EMAIL}." in html(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert side_a.project.name in message.subject
    link = accept_path(message)

    # The invited person opens the link in their own browser.
    browser = Client()
    response = browser.get(link)
    assert response.status_code == 200
    assert f"Join {side_a.project.name}" in html(response)
    assert EMAIL in html(response)

    # A weak password is refused, and nothing is created.
    response = browser.post(
        link, {**NEW_ACCOUNT, "password": "password", "password_again": "password"}
    )
    assert response.status_code == 200
    assert field_errors(html(response), "password")
    assert not User.objects.filter(email=EMAIL).exists()
    assert not Resident.objects.filter(first_name="New").exists()

    # A good one creates the account and signs the person in.
    response = browser.post(link, NEW_ACCOUNT)
    assert response.status_code == 302
    assert response.url == "/"
    user = User.objects.get(email=EMAIL)
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.filter(user=user, email=EMAIL, verified=True, primary=True).exists()
    resident = Resident.objects.get(user=user)
    assert resident.household == side_a.household
    assert (resident.first_name, resident.last_name, resident.birth_year) == ("New", "Person", 1991)
    assert Role.objects.filter(
        user=user, kind=RoleKind.RESIDENT, project=side_a.project, revoked_at__isnull=True
    ).exists()

    home = browser.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user == user
    assert "My household — unit 1A" in html(home)
    assert f"Welcome to {side_a.project.name}!" in html(home)

    # The link is used up.
    assert browser.get(link).status_code == 404
    assert browser.post(link, NEW_ACCOUNT).status_code == 404

    # Signing out, then in again through allauth with the e-mail and the password.
    response = browser.post("/accounts/logout/")
    assert response.status_code == 302
    assert browser.get("/").status_code == 302
    response = browser.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"
    home = browser.get("/")
    assert home.status_code == 200
    assert "My household — unit 1A" in html(home)


def test_invitation_for_a_recorded_resident_links_that_record(
    client, side_a, django_capture_on_commit_callbacks
):
    client.force_login(side_a.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/households/{side_a.neighbour.pk}/invite/",
            {"email": EMAIL, "language": "en", "resident": side_a.neighbour_resident.pk},
        )
    assert response.status_code == 302
    link = accept_path(mail.outbox[0])
    residents_before = Resident.objects.count()

    browser = Client()
    page = html(browser.get(link))
    assert 'name="birth_year"' not in page  # the manager recorded it already
    response = browser.post(link, {**NEW_ACCOUNT, "birth_year": ""})

    assert response.status_code == 302
    user = User.objects.get(email=EMAIL)
    side_a.neighbour_resident.refresh_from_db()
    assert side_a.neighbour_resident.user == user
    assert Resident.objects.count() == residents_before
    home = html(browser.get("/"))
    assert "My household — unit 1B" in home


def test_expired_invitation_is_not_found(side_a):
    link = invite(household=side_a.household, invited_by=side_a.manager)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Invitation.objects.filter(email=EMAIL).update(
        created_at=long_ago, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    browser = Client()

    response = browser.get(link)

    assert response.status_code == 404
    assert "This invitation is not valid" in html(response)
    assert browser.post(link, NEW_ACCOUNT).status_code == 404
    assert not User.objects.filter(email=EMAIL).exists()


def test_unknown_token_is_not_found(client, side_a):
    assert client.get("/invitations/not-a-token/").status_code == 404


def test_signed_in_person_with_the_invited_address_joins(client, side_a):
    user = UserFactory(email="joiner@example.org")
    link = invite(household=side_a.household, email=user.email, invited_by=side_a.manager)
    client.force_login(user)

    page = html(client.get(link))
    assert 'name="password"' not in page
    assert "Join the household" in page
    response = client.post(link, {"birth_year": "1980"})

    assert response.status_code == 302
    resident = Resident.objects.get(user=user)
    assert resident.household == side_a.household
    assert resident.birth_year == 1980
    assert Role.objects.filter(user=user, kind=RoleKind.RESIDENT, project=side_a.project).exists()
    assert User.objects.filter(email__iexact=user.email).count() == 1
    assert "My household — unit 1A" in html(client.get("/"))


def test_signed_in_person_with_another_address_cannot_accept(client, side_a):
    link = invite(household=side_a.household, invited_by=side_a.manager)
    other = UserFactory(email="someone.else@example.org")
    client.force_login(other)

    page = client.get(link)
    response = client.post(link, {"birth_year": "1980"})

    for answer in (page, response):
        assert answer.status_code == 403
        assert "but you are signed in as someone.else@example.org" in html(answer)
    assert not Resident.objects.filter(user=other).exists()
    assert Invitation.objects.get(email=EMAIL).accepted_at is None


def test_open_sign_up_is_closed(client, side_a):
    users_before = User.objects.count()

    page = client.get("/accounts/signup/")
    response = client.post(
        "/accounts/signup/",
        {"email": "walk.in@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert page.status_code == 200
    assert "Sign Up Closed" in html(page)
    assert "Sign Up Closed" in html(response)
    assert User.objects.count() == users_before
    assert not User.objects.filter(email="walk.in@example.org").exists()


def test_password_reset_sends_an_email(client, side_a):
    email = side_a.resident_user.email

    response = client.post("/accounts/password/reset/", {"email": email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_account_from_a_french_invitation_speaks_french(side_a):
    invitation = services.invitation_create(
        household=side_a.household, email=EMAIL, language="fr", invited_by=side_a.manager
    )
    browser = Client()

    browser.post(f"/invitations/{invitation.token}/", NEW_ACCOUNT)

    assert User.objects.get(email=EMAIL).language == "fr"
    assert '<html lang="fr">' in html(browser.get("/"))
