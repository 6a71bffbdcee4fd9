"""Reminders to renew an income declaration: one e-mail to each resident with an account, once
per expired declaration.

A household is due when it lives in a running project today and its latest declaration (valid
from today or before) is older than the project's ``income_validity_months``. The batch mailer
(``common.mail``) locks due declarations and marks ``renewal_reminder_sent_at`` in the same
transaction, so two workers share the work and a second run finds nothing left; a newer
declaration that expires in its turn is reminded of again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from common.mail import mail_due_rows
from common.months import add_months
from community.money.selectors.ledger import RUNNING_STATUSES, running_project_list
from members.models import IncomeDeclaration, User
from members.selectors import household_accounts

logger = logging.getLogger(__name__)


def _due(today: dt.date) -> QuerySet[IncomeDeclaration]:
    validities = set(running_project_list().values_list("income_validity_months", flat=True))
    if not validities:
        return IncomeDeclaration.objects.none()
    expired = Q()
    for months in validities:  # a project's own validity: one condition per distinct value
        expired |= Q(
            household__project__income_validity_months=months,
            valid_from__lte=add_months(today, -months),
        )
    latest = (
        IncomeDeclaration.objects.filter(household=OuterRef("household"), valid_from__lte=today)
        .order_by("-valid_from", "-declared_at", "-pk")
        .values("pk")[:1]
    )
    return (
        IncomeDeclaration.objects.filter(
            expired,
            renewal_reminder_sent_at__isnull=True,
            household__project__status__in=RUNNING_STATUSES,
            household__move_in__lte=today,
        )
        .filter(Q(household__move_out__isnull=True) | Q(household__move_out__gte=today))
        .filter(pk=Subquery(latest))
    )


def income_renewal_message(*, declaration: IncomeDeclaration, user: User) -> EmailMessage:
    household = declaration.household
    project = household.project
    with translation.override(user.language):
        valid_from = formats.date_format(declaration.valid_from, "DATE_FORMAT")
        context = {
            "household": household,
            "project": project,
            "valid_from": valid_from,
            "months": project.income_validity_months,
            "declare_url": settings.SITE_URL.rstrip("/")
            + reverse("income_declaration_create", kwargs={"household_pk": household.pk}),
        }
        subject = _("Please renew your income declaration for %(project)s") % {
            "project": project.name
        }
        body = render_to_string("community/email/income_renewal.txt", context)
    return EmailMessage(subject, body, None, [user.email])


def income_renewal_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind every household whose latest declaration has expired, once; returns how many
    e-mails went out. Safe to run twice at once."""
    now = timezone.now()
    today = today or timezone.localdate()

    def messages_of(declarations: list[IncomeDeclaration]) -> dict[int, list[EmailMessage]]:
        users = household_accounts(household_ids=(d.household_id for d in declarations))
        return {
            declaration.pk: [
                income_renewal_message(declaration=declaration, user=user)
                for user in users.get(declaration.household_id, [])
            ]
            for declaration in declarations
        }

    def mark_sent(pks: list[int]) -> None:
        IncomeDeclaration.objects.filter(pk__in=pks).update(renewal_reminder_sent_at=now)

    return mail_due_rows(
        due=lambda: _due(today),
        order_by=("pk",),
        select_related=("household__project",),
        messages_of=messages_of,
        mark_sent=mark_sent,
        label="Income renewal reminder",
    )


__all__ = ["income_renewal_message", "income_renewal_reminders_send"]
