"""Budgets, contribution schemes, monthly charges and payments (DESIGN.md §3, §4).

Money is integer cents of the city's currency. A month is stored as its first day.

Invariants held by the database:
- one budget per project and month, budget lines never negative;
- two adopted schemes of a project are never in force on the same day: on PostgreSQL an exclusion
  constraint over ``daterange(valid_from, valid_to, '[]')`` (migration community 0011), on every
  database the locked check of ``scheme_adopt``;
- one charge run per project and month, one charge per household and month, so that a charge run
  repeated, retried or raced by a second worker charges nobody twice;
- payments are positive, and one bank-statement row is imported once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.months import last_of_month
from common.validation import (
    ConstraintErrorsOnFields,
    validate_amount_cents,
    validate_plausible_date,
)
from community.money.contribution_parameters import METHOD_LABELS, Method
from members.models import HousingProject


def validate_first_of_month(value: dt.date) -> None:
    if value.day != 1:
        raise ValidationError(_("Give the first day of a month."), code="not_first_of_month")


def validate_last_of_month(value: dt.date) -> None:
    if value != last_of_month(value):
        raise ValidationError(_("Give the last day of a month."), code="not_last_of_month")


# --- Budgets -----------------------------------------------------------------------------


class BudgetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class BudgetQuerySet(models.QuerySet):
    def with_total(self) -> BudgetQuerySet:
        """Each budget with ``total_cents``, the sum of its lines, computed by the database."""
        return self.annotate(total_cents=Coalesce(Sum("lines__amount_cents"), 0))


class Budget(ConstraintErrorsOnFields, models.Model):
    """What a project's contributions must cover in one month."""

    project = models.ForeignKey(
        HousingProject,
        verbose_name=_("housing project"),
        on_delete=models.CASCADE,
        related_name="budgets",
    )
    month = models.DateField(
        _("month"), validators=[validate_plausible_date, validate_first_of_month]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BudgetStatus.choices, default=BudgetStatus.APPROVED
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = BudgetQuerySet.as_manager()

    constraint_fields = {
        "budget_one_per_project_and_month": "month",
        "budget_status_valid": "status",
    }

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["project_id", "-month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"],
                name="budget_one_per_project_and_month",
                violation_error_message=_("This project already has a budget for this month."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=BudgetStatus.values), name="budget_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.month:%Y-%m}"


class BudgetCategory(models.TextChoices):
    LOAN = "loan", _("Loan")
    MAINTENANCE = "maintenance", _("Maintenance")
    RESERVES = "reserves", _("Reserves")
    UTILITIES = "utilities", _("Utilities")
    OTHER = "other", _("Other")


class BudgetLine(ConstraintErrorsOnFields, models.Model):
    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="lines"
    )
    category = models.CharField(_("category"), max_length=16, choices=BudgetCategory.choices)
    label = models.CharField(_("label"), max_length=120, blank=True)
    amount_cents = models.BigIntegerField(_("amount (cents)"), validators=[validate_amount_cents])

    constraint_fields = {
        "budget_line_amount_non_negative": "amount_cents",
        "budget_line_category_valid": "category",
    }

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["budget_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0),
                name="budget_line_amount_non_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(category__in=BudgetCategory.values),
                name="budget_line_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.label}".strip()


# --- Contribution schemes ----------------------------------------------------------------


class SchemeMethod(models.TextChoices):
    """The methods of DESIGN.md §4, as ``community.money.contribution_parameters.Method`` names and
    labels them."""

    FLAT = Method.FLAT.value, METHOD_LABELS[Method.FLAT]
    INCOME_SHARE = Method.INCOME_SHARE.value, METHOD_LABELS[Method.INCOME_SHARE]
    INCOME_BANDS = Method.INCOME_BANDS.value, METHOD_LABELS[Method.INCOME_BANDS]
    GREATEST_OF = Method.GREATEST_OF.value, METHOD_LABELS[Method.GREATEST_OF]
    SOLIDARITY = Method.SOLIDARITY.value, METHOD_LABELS[Method.SOLIDARITY]


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")
    RETIRED = "retired", _("Retired")


# Where a scheme is or was in force: adopted, or retired with the last day it applied. A scheme
# retired without a last day was withdrawn before it ever applied.
IN_FORCE = Q(status=SchemeStatus.ADOPTED) | Q(status=SchemeStatus.RETIRED, valid_to__isnull=False)


class ContributionScheme(ConstraintErrorsOnFields, models.Model):
    """How a project shares its monthly budget among households, from ``valid_from`` (the first
    of a month) to ``valid_to`` (the last day of a month, or open-ended).

    ``parameters`` are those of the method
    (``community.money.contribution_parameters.validate_parameters``).
    """

    project = models.ForeignKey(
        HousingProject,
        verbose_name=_("housing project"),
        on_delete=models.CASCADE,
        related_name="contribution_schemes",
    )
    name = models.CharField(_("name"), max_length=160)
    method = models.CharField(_("method"), max_length=16, choices=SchemeMethod.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    valid_from = models.DateField(
        _("valid from"), validators=[validate_plausible_date, validate_first_of_month]
    )
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        validators=[validate_plausible_date, validate_last_of_month],
        help_text=_("The last day it applies; empty while it has no end."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("adopted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    adopted_by_decision = models.ForeignKey(
        "governance.Decision",
        verbose_name=_("adopted by decision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adopted_schemes",
    )
    adopting_proposal = models.ForeignKey(
        "governance.Proposal",
        verbose_name=_("adopting proposal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="schemes_to_adopt",
        help_text=_("When this proposal passes, the scheme is adopted."),
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    constraint_fields = {
        "scheme_valid_to_not_before_valid_from": "valid_to",
        "scheme_status_valid": "status",
        "scheme_method_valid": "method",
        "scheme_adopted_has_adoption_time": "status",
    }

    class Meta:
        verbose_name = _("contribution scheme")
        verbose_name_plural = _("contribution schemes")
        ordering = ["project_id", "-valid_from", "-pk"]
        indexes = [
            models.Index(fields=["project", "status", "valid_from"], name="scheme_in_force_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="scheme_valid_to_not_before_valid_from",
                violation_error_message=_("A scheme cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=SchemeStatus.values), name="scheme_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=SchemeMethod.values), name="scheme_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=SchemeStatus.DRAFT) | Q(adopted_at__isnull=False),
                name="scheme_adopted_has_adoption_time",
                violation_error_message=_("An adopted scheme records when it was adopted."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


# --- Charges -----------------------------------------------------------------------------


class ChargeRun(ConstraintErrorsOnFields, models.Model):
    """The monthly charge run of a project: done once, its charges written in one transaction."""

    project = models.ForeignKey(
        HousingProject,
        verbose_name=_("housing project"),
        on_delete=models.CASCADE,
        related_name="charge_runs",
    )
    month = models.DateField(
        _("month"), validators=[validate_plausible_date, validate_first_of_month]
    )
    scheme = models.ForeignKey(
        ContributionScheme,
        verbose_name=_("scheme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charge_runs",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    household_count = models.PositiveIntegerField(_("households charged"), default=0)
    total_cents = models.BigIntegerField(_("total charged (cents)"), default=0)
    budget_cents = models.BigIntegerField(_("budget (cents)"), default=0)
    shortfall_cents = models.BigIntegerField(_("shortfall (cents)"), default=0)
    surplus_cents = models.BigIntegerField(_("surplus (cents)"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the monthly schedule ran it."),
    )

    constraint_fields = {"charge_run_one_per_project_and_month": "month"}

    class Meta:
        verbose_name = _("charge run")
        verbose_name_plural = _("charge runs")
        ordering = ["project_id", "-month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"],
                name="charge_run_one_per_project_and_month",
                violation_error_message=_("This month has been charged already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.month:%Y-%m}"


class Charge(ConstraintErrorsOnFields, models.Model):
    """What a household owes for one month, and how it was worked out (``breakdown``)."""

    household = models.ForeignKey(
        "members.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="charges",
    )
    month = models.DateField(
        _("month"), validators=[validate_plausible_date, validate_first_of_month]
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"), validators=[validate_amount_cents])
    scheme = models.ForeignKey(
        ContributionScheme,
        verbose_name=_("scheme"),
        on_delete=models.PROTECT,
        related_name="charges",
    )
    run = models.ForeignKey(
        ChargeRun,
        verbose_name=_("charge run"),
        on_delete=models.PROTECT,
        related_name="charges",
    )
    breakdown = models.JSONField(_("breakdown"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    constraint_fields = {
        "charge_one_per_household_and_month": "month",
        "charge_amount_non_negative": "amount_cents",
    }

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["household_id", "-month", "pk"]
        indexes = [models.Index(fields=["run"], name="charge_run_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "month"],
                name="charge_one_per_household_and_month",
                violation_error_message=_("This household has been charged for this month."),
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0),
                name="charge_amount_non_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.month:%Y-%m}"


# --- Payments ----------------------------------------------------------------------------


class PaymentSource(models.TextChoices):
    MANUAL = "manual", _("Recorded by hand")
    BANK_IMPORT = "bank_import", _("Bank statement import")


class Payment(ConstraintErrorsOnFields, models.Model):
    household = models.ForeignKey(
        "members.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"), validators=[validate_amount_cents])
    paid_on = models.DateField(_("paid on"), validators=[validate_plausible_date])
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    payer_name = models.CharField(_("payer"), max_length=140, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=PaymentSource.choices, default=PaymentSource.MANUAL
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    constraint_fields = {
        "payment_amount_positive": "amount_cents",
        "payment_source_valid": "source",
        "payment_bank_row_imported_once": "reference",
    }

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["household_id", "-paid_on", "-pk"]
        indexes = [models.Index(fields=["household", "paid_on"], name="payment_household_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0),
                name="payment_amount_positive",
                violation_error_message=_("A payment must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(source__in=PaymentSource.values), name="payment_source_valid"
            ),
            # A bank statement imported twice must not pay twice.
            models.UniqueConstraint(
                fields=["household", "paid_on", "amount_cents", "reference"],
                condition=Q(source=PaymentSource.BANK_IMPORT),
                name="payment_bank_row_imported_once",
                violation_error_message=_("This bank statement row has been imported already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.paid_on} · {self.amount_cents}"
