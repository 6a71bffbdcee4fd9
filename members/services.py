"""Every write to members' data: validated inside, one transaction each (STYLE.md)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from guardian.shortcuts import assign_perm, remove_perm

from common.audit import audit_record
from common.models import AuditAction
from common.outbox import queue_after_commit
from common.validation import Conflict, save_validated
from members.income_log import income_access_log_write
from members.models import (
    City,
    Household,
    HousingProject,
    IncomeAccess,
    IncomeAccessLog,
    IncomeDeclaration,
    Invitation,
    Resident,
    Role,
    RoleKind,
    User,
)
from members.personal_data import Erased, erasers
from members.selectors import household_of_user, own_household_ids, personal_data_export

# The object permissions each role carries (django-guardian).
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    RoleKind.RESIDENT: ("members.view_housingproject",),
    RoleKind.MANAGER: (
        "members.view_housingproject",
        "members.change_housingproject",
        "members.manage_housingproject",
    ),
    RoleKind.OFFICER: ("members.view_city", "members.monitor_city"),
    # No object: a global permission (the role has no project or city).
    RoleKind.NETWORK_OBSERVER: ("members.observe_network",),
}


# --- Roles -------------------------------------------------------------------------------


@transaction.atomic
def role_grant(
    *,
    user: User,
    kind: str,
    project: HousingProject | None = None,
    city: City | None = None,
    granted_by: User | None = None,
) -> Role:
    """Give a user a role and the object permissions that go with it (global ones for a
    network observer, whose role has no project or city); recorded in the audit log."""
    role = save_validated(
        Role(user=user, kind=kind, project=project, city=city, granted_by=granted_by)
    )
    for perm in ROLE_PERMISSIONS[kind]:
        assign_perm(perm, user, role.scope)
    _role_audit(role=role, action=AuditAction.ROLE_GRANTED, actor=granted_by)
    return role


@transaction.atomic
def role_revoke(*, role: Role, revoked_by: User | None = None) -> Role:
    """End a role (kept as history) and take its object permissions away; recorded in the
    audit log with who did it (None: the platform itself, as when an account closes)."""
    if role.revoked_at is not None:
        return role
    role.revoked_at = timezone.now()
    role.save(update_fields=["revoked_at"])
    for perm in ROLE_PERMISSIONS[role.kind]:
        remove_perm(perm, role.user, role.scope)
    _role_audit(role=role, action=AuditAction.ROLE_REVOKED, actor=revoked_by)
    return role


def _role_audit(*, role: Role, action: str, actor: User | None) -> None:
    audit_record(
        actor=actor,
        action=action,
        project_id=role.project_id,
        city_id=role.city_id,
        target=role,
        detail={"kind": role.kind, "user": role.user_id},
    )


def user_language_set(*, user: User, language: str) -> User:
    """Remember the user's language: pages and e-mails to them use it."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("This language is not offered.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


# --- Households and residents ------------------------------------------------------------


@transaction.atomic
def household_create(
    *,
    project: HousingProject,
    unit_label: str,
    move_in: datetime.date,
    unit_area_m2: Decimal = Decimal(0),
    rooms: int = 1,
    move_out: datetime.date | None = None,
    utilities_monthly_cents: int = 0,
) -> Household:
    return save_validated(
        Household(
            project=project,
            unit_label=unit_label,
            unit_area_m2=unit_area_m2,
            rooms=rooms,
            move_in=move_in,
            move_out=move_out,
            utilities_monthly_cents=utilities_monthly_cents,
        )
    )


PROJECT_SETTINGS_EDITABLE = ("income_validity_months", "income_retention_years")


@transaction.atomic
def project_settings_update(*, project: HousingProject, **changes: object) -> HousingProject:
    """A manager's settings of their project: how long an income declaration counts, and how
    long it is kept."""
    _apply(project, PROJECT_SETTINGS_EDITABLE, changes)
    return save_validated(project)


HOUSEHOLD_EDITABLE = (
    "unit_label",
    "unit_area_m2",
    "rooms",
    "move_in",
    "move_out",
    "utilities_monthly_cents",
)
RESIDENT_EDITABLE = (
    "first_name",
    "last_name",
    "birth_year",
    "is_representative",
    "gender",
    "migrant_background",
)


def _apply(instance, fields: tuple[str, ...], changes: dict) -> None:
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    for name, value in changes.items():
        setattr(instance, name, value)


@transaction.atomic
def household_update(*, household: Household, **changes: object) -> Household:
    _apply(household, HOUSEHOLD_EDITABLE, changes)
    return save_validated(household)


def _check_birth_year(birth_year: int) -> None:
    if birth_year > timezone.localdate().year:
        raise ValidationError({"birth_year": _("The birth year cannot be in the future.")})


def _apply_inclusion_consent(resident: Resident, consent: bool | None) -> None:
    """Inclusion data exists only with consent: withdrawing consent erases it."""
    if consent and resident.inclusion_consent_at is None:
        resident.inclusion_consent_at = timezone.now()
    elif consent is False and resident.inclusion_consent_at is not None:
        resident.inclusion_consent_at = None
        resident.gender = ""
        resident.migrant_background = None
    if resident.inclusion_consent_at is None:
        refused = {
            field: _("Only stored with the resident's consent (inclusion_consent).")
            for field, empty in (("gender", ""), ("migrant_background", None))
            if getattr(resident, field) != empty
        }
        if refused:
            raise ValidationError(refused)


@transaction.atomic
def resident_create(
    *,
    household: Household,
    first_name: str,
    birth_year: int,
    last_name: str = "",
    is_representative: bool = False,
    inclusion_consent: bool = False,
    gender: str = "",
    migrant_background: bool | None = None,
    user: User | None = None,
) -> Resident:
    _check_birth_year(birth_year)
    resident = Resident(
        household=household,
        first_name=first_name,
        last_name=last_name,
        birth_year=birth_year,
        is_representative=is_representative,
        gender=gender,
        migrant_background=migrant_background,
        user=user,
    )
    _apply_inclusion_consent(resident, inclusion_consent)
    return save_validated(resident)


@transaction.atomic
def resident_update(
    *, resident: Resident, inclusion_consent: bool | None = None, **changes: object
) -> Resident:
    _apply(resident, RESIDENT_EDITABLE, changes)
    if "birth_year" in changes:
        _check_birth_year(resident.birth_year)
    _apply_inclusion_consent(resident, inclusion_consent)
    return save_validated(resident)


# --- Income declarations -----------------------------------------------------------------


@transaction.atomic
def income_declaration_create(
    *,
    household: Household,
    valid_from: datetime.date,
    gross_monthly_cents: int,
    disposable_monthly_cents: int,
    declared_by: User,
    evidence_status: str = "none",
    housing_allowance_cents: int = 0,
    medical_costs_cents: int = 0,
    childcare_costs_cents: int = 0,
    elderly_or_disabled: bool = False,
) -> IncomeDeclaration:
    """Add a declaration to the household's history. A manager declaring for a household is
    recorded in the income access log."""
    amounts = {
        "gross_monthly_cents": gross_monthly_cents,
        "disposable_monthly_cents": disposable_monthly_cents,
        "housing_allowance_cents": housing_allowance_cents,
        "medical_costs_cents": medical_costs_cents,
        "childcare_costs_cents": childcare_costs_cents,
    }
    errors = {
        field: _("An amount cannot be negative.")
        for field, value in amounts.items()
        if value is not None and value < 0
    }
    if not errors and gross_monthly_cents < disposable_monthly_cents:
        errors["disposable_monthly_cents"] = _(
            "The disposable income cannot exceed the gross income."
        )
    if not errors and housing_allowance_cents > disposable_monthly_cents:
        # Allowances are part of the disposable income (DESIGN.md §4, housing cost ratio).
        errors["housing_allowance_cents"] = _(
            "The housing allowance is part of the disposable income and cannot exceed it."
        )
    if errors:
        raise ValidationError(errors)
    declaration = save_validated(
        IncomeDeclaration(
            household=household,
            valid_from=valid_from,
            evidence_status=evidence_status,
            declared_by=declared_by,
            elderly_or_disabled=elderly_or_disabled,
            **amounts,
        )
    )
    income_access_record(actor=declared_by, action=IncomeAccess.CREATED, declarations=[declaration])
    return declaration


@transaction.atomic
def income_declaration_verify(
    *, declaration: IncomeDeclaration, verified_by: User, evidence_status: str = "verified"
) -> IncomeDeclaration:
    declaration.evidence_status = evidence_status
    declaration.verified_by = verified_by
    declaration.verified_at = timezone.now()
    declaration = save_validated(declaration)
    income_access_record(
        actor=verified_by,
        action=IncomeAccess.VERIFIED,
        declarations=[declaration],
        detail={"evidence_status": evidence_status},
    )
    return declaration


def income_access_record(
    *,
    actor: User,
    action: str,
    declarations: Iterable[IncomeDeclaration] = (),
    households: Iterable[Household] = (),
    detail: dict | None = None,
    skip_own: bool = True,
) -> list[IncomeAccessLog]:
    """Append who saw or changed which household's income, one entry per household.

    ``declarations`` are grouped by household (an entry names its declaration when there is
    one, and lists them in ``detail``); ``households`` adds households seen without a particular
    declaration. The household itself is not recorded: with ``skip_own`` the actor's own
    household is dropped (one query); a caller that already left it out passes False.
    Two queries at most, whatever the number of households: a list stays constant.
    """
    return income_access_log_write(
        actor=actor,
        action=action,
        declarations=declarations,
        households=households,
        detail=detail,
        own_households=own_household_ids(user=actor) if skip_own else None,
    )


# --- Invitations -------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    household: Household,
    email: str,
    invited_by: User,
    resident: Resident | None = None,
    language: str = "",
) -> Invitation:
    """Invite a person into a household; the e-mail goes out once the transaction commits (or,
    with the broker down, once it is back: common.outbox)."""
    email = email.strip().lower()
    if resident is not None and resident.household_id != household.pk:
        raise ValidationError({"resident": _("This resident does not live in this household.")})
    if resident is not None and resident.user_id is not None:
        raise ValidationError({"resident": _("This resident already has an account.")})
    if Role.objects.filter(
        user__email__iexact=email, project=household.project, revoked_at__isnull=True
    ).exists():
        raise ValidationError({"email": _("This person already has a role in this project.")})
    now = timezone.now()
    # An expired invitation is dead: it must not block a new one to the same address.
    Invitation.objects.filter(
        household=household,
        email__iexact=email,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__lte=now,
    ).update(cancelled_at=now)
    invitation = save_validated(
        Invitation(
            household=household,
            resident=resident,
            email=email,
            language=language or household.project.city.default_language,
            invited_by=invited_by,
            created_at=now,
            expires_at=now + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
        )
    )
    queue_after_commit("members.tasks.invitation_send_task", invitation.pk)
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation) -> Invitation:
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has been accepted already."))
    invitation.cancelled_at = invitation.cancelled_at or timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    return invitation


def invitation_send(*, invitation_id: int) -> bool:
    """Send the invitation e-mail once, in the invitee's language. Returns whether it was sent.

    The row is locked while sending so that two workers running the same task send one e-mail.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("household__project")
            .get(pk=invitation_id)
        )
        if invitation.sent_at is not None or not invitation.is_pending:
            return False
        with translation.override(invitation.language):
            context = {
                "invitation": invitation,
                "project": invitation.household.project,
                "accept_url": settings.SITE_URL.rstrip("/")
                + reverse("invitation_accept", kwargs={"token": invitation.token}),
            }
            subject = _("You are invited to %(project)s on NETCO Commons") % {
                "project": invitation.household.project.name
            }
            body = render_to_string("members/email/invitation.txt", context)
        send_mail(subject, body, None, [invitation.email])
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
        return True


@dataclass(frozen=True)
class AcceptedInvitation:
    user: User
    resident: Resident
    role: Role


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    birth_year: int | None = None,
    user: User | None = None,
) -> AcceptedInvitation:
    """Accept an invitation: create the account (or use the signed-in one), link it to a resident
    of the household and grant the resident role of the project.

    The e-mail address counts as verified: the token could only be read from that mailbox.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation is no longer valid."))
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                {"email": _("An account with this address exists: sign in to accept.")}
            )
        candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
        try:
            validate_password(password or "", user=candidate)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        candidate.language = invitation.language
        candidate.set_password(password)
        user = save_validated(candidate, exclude=["password"])
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    if Resident.objects.filter(user=user).exists():
        raise ValidationError(_("This account already belongs to a household."))

    resident = invitation.resident
    if resident is None:
        if birth_year is None:
            raise ValidationError({"birth_year": _("This field is required.")})
        resident = resident_create(
            household=invitation.household,
            first_name=first_name or user.first_name or invitation.email.split("@")[0],
            last_name=last_name or user.last_name,
            birth_year=birth_year,
            user=user,
        )
    else:
        resident.user = user
        resident.save(update_fields=["user"])
    role = role_grant(
        user=user,
        kind=RoleKind.RESIDENT,
        project=invitation.household.project,
        granted_by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return AcceptedInvitation(user=user, resident=resident, role=role)


# --- A person's data export (GDPR art. 15 and 20) ----------------------------------------


@transaction.atomic
def personal_data_export_deliver(*, user: User, via: str) -> dict[str, Any]:
    """The user's data as they download it (``members.selectors.personal_data_export``), the
    download recorded in the audit log of their household's project (``via``: "page", "api")."""
    data = personal_data_export(user=user)
    household = household_of_user(user=user)
    audit_record(
        actor=user,
        action=AuditAction.PERSONAL_DATA_EXPORTED,
        project_id=household.project_id if household else None,
        target=user,
        detail={"via": via},
    )
    return data


# --- Erasure of a resident who moved out (GDPR art. 17) -----------------------------------

# Stored in the project's language, as the confirmation page says it will be: every page then
# shows the row as it is.
ERASED_RESIDENT_NAME = gettext_noop("Former resident")


def erased_resident_name(project: HousingProject) -> str:
    with translation.override(project.city.default_language):
        return translation.gettext(ERASED_RESIDENT_NAME)


def _erased_email(user: User) -> str:
    return f"former-resident-{user.pk}@erased.invalid"


def _user_sessions_delete(user: User) -> None:
    """Sign the person out everywhere: their stored sessions go (the unusable password set
    with them would refuse the sessions anyway, at their next request)."""
    mine = str(user.pk)
    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == mine
    ]
    Session.objects.filter(pk__in=stale).delete()


@transaction.atomic
def resident_erase(*, resident: Resident, erased_by: User | None = None) -> Resident:
    """Erase a resident who moved out: their names, inclusion data, account and the names in
    the free text of the apps above (``members.personal_data.register_eraser``).

    The resident row stays, anonymised and marked ``erased_at``, with its birth year: the
    voters, participations, proxies and attendance of past votes point to it, so ballots'
    counts, decisions, charges and payments are unchanged; from then on it is out of
    ``Resident.objects`` and so out of the household, the electorates and the formulas.
    Their account is deactivated and anonymised, its roles revoked, its sessions, API tokens
    and e-mail addresses deleted. One transaction: a failure changes nothing.
    Running it again on an erased resident changes nothing more. The erasure, and the
    revocation of the account's roles, are recorded in the audit log with ``erased_by`` (ids
    only: the log holds no name to erase).
    """
    resident = (
        Resident.all_objects.select_for_update(of=("self",))
        .select_related("household__project", "user")
        .get(pk=resident.pk)
    )
    user = resident.user
    if resident.erased_at is not None:
        return resident
    placeholder = erased_resident_name(resident.household.project)
    # Bank statements often write the family name first.
    names = {resident.full_name, f"{resident.last_name} {resident.first_name}"}
    if user is not None:
        names |= {user.get_full_name(), f"{user.last_name} {user.first_name}", user.email}
    names |= set(resident.invitations.values_list("email", flat=True))
    erased = Erased(
        resident=resident,
        user=user,
        names=sorted({name.strip() for name in names} - {""}, key=len, reverse=True),
        placeholder=placeholder,
    )
    for eraser in erasers():
        eraser(erased=erased)

    invitations = Invitation.objects.filter(resident=resident)
    if user is not None:
        invitations = invitations | Invitation.objects.filter(email__iexact=user.email)
    now = timezone.now()
    for invitation in invitations.select_for_update().order_by("pk"):
        invitation.email = f"invitation-{invitation.pk}@erased.invalid"
        invitation.cancelled_at = invitation.cancelled_at or (
            None if invitation.accepted_at else now
        )
        invitation.save(update_fields=["email", "cancelled_at"])

    resident.first_name = placeholder
    resident.last_name = ""
    resident.is_representative = False
    resident.inclusion_consent_at = None
    resident.gender = ""
    resident.migrant_background = None
    resident.user = None
    resident.erased_at = now
    resident.save()

    if user is not None:
        for role in Role.objects.filter(user=user, revoked_at__isnull=True).select_related(
            "project", "city"
        ):
            role_revoke(role=role, revoked_by=erased_by)
        EmailAddress.objects.filter(user=user).delete()
        _user_sessions_delete(user)
        user.email = _erased_email(user)
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    audit_record(
        actor=erased_by,
        action=AuditAction.RESIDENT_ERASED,
        project_id=resident.household.project_id,
        target=resident,
        detail={"household": resident.household_id, "user": user.pk if user else None},
    )
    return resident
