"""Income declarations and the audit trail of who looked at them (DESIGN.md §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import AppendOnlyQuerySet
from common.validation import ConstraintErrorsOnFields
from members.models.people import Household


class EvidenceStatus(models.TextChoices):
    NONE = "none", _("No evidence")
    SUBMITTED = "submitted", _("Evidence submitted")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class IncomeDeclaration(ConstraintErrorsOnFields, models.Model):
    """A household's declared monthly income from a date on; the latest valid one counts.

    Amounts are integer cents of the city's currency.
    """

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="income_declarations",
    )
    valid_from = models.DateField(_("valid from"))
    gross_monthly_cents = models.BigIntegerField(_("gross monthly income (cents)"))
    disposable_monthly_cents = models.BigIntegerField(_("disposable monthly income (cents)"))
    evidence_status = models.CharField(
        _("evidence"), max_length=16, choices=EvidenceStatus.choices, default=EvidenceStatus.NONE
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,  # emptied when the account is deleted; the declaration stays valid
        related_name="+",
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # What rent-geared-to-income methods deduct and affordability nets out (DESIGN.md §4).
    housing_allowance_cents = models.BigIntegerField(
        _("housing allowance per month (cents)"),
        default=0,
        help_text=_("Part of the disposable income that is a housing allowance."),
    )
    medical_costs_cents = models.BigIntegerField(
        _("unreimbursed medical and care costs per month (cents)"), default=0
    )
    childcare_costs_cents = models.BigIntegerField(
        _("childcare costs per month (cents)"), default=0
    )
    elderly_or_disabled = models.BooleanField(
        _("elderly or disabled household"),
        default=False,
        help_text=_("The head, spouse or sole member is 62 or older, or has a disability."),
    )
    # When the household was reminded that this, its latest declaration, had expired.
    renewal_reminder_sent_at = models.DateTimeField(
        _("renewal reminder sent at"), null=True, blank=True, editable=False
    )

    constraint_fields = {
        "income_gross_non_negative": "gross_monthly_cents",
        "income_disposable_non_negative": "disposable_monthly_cents",
        "income_evidence_status_valid": "evidence_status",
        "income_housing_allowance_non_negative": "housing_allowance_cents",
        "income_medical_costs_non_negative": "medical_costs_cents",
        "income_childcare_costs_non_negative": "childcare_costs_cents",
    }

    class Meta:
        verbose_name = _("income declaration")
        verbose_name_plural = _("income declarations")
        ordering = ["household_id", "-valid_from", "-declared_at", "-pk"]
        indexes = [
            models.Index(fields=["household", "-valid_from"], name="income_household_latest_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_monthly_cents__gte=0),
                name="income_gross_non_negative",
                violation_error_message=_("An income cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(disposable_monthly_cents__gte=0),
                name="income_disposable_non_negative",
                violation_error_message=_("An income cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(evidence_status__in=EvidenceStatus.values),
                name="income_evidence_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(housing_allowance_cents__gte=0),
                name="income_housing_allowance_non_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(medical_costs_cents__gte=0),
                name="income_medical_costs_non_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(childcare_costs_cents__gte=0),
                name="income_childcare_costs_non_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.valid_from}"


class IncomeAccess(models.TextChoices):
    VIEWED = "viewed", _("Viewed")
    CREATED = "created", _("Created")
    VERIFIED = "verified", _("Verified")
    CHANGED = "changed", _("Changed")


class IncomeAccessLog(models.Model):
    """Who outside a household looked at or changed its income, what and when (DESIGN.md §1:
    incomes are seen only by the household and the project's managers, and every such look is
    recorded). Append-only: rows are created by ``members.income_log.income_access_log_write``
    (a look through ``members.selectors.income_declarations_read``, a change through
    ``members.services.income_access_record``) and never changed or deleted; the admin shows
    them read-only.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # Kept when the account is deleted later: the trail must still say who it was.
    actor_email = models.EmailField(_("e-mail address of who"), blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="income_access_log",
    )
    declaration = models.ForeignKey(
        IncomeDeclaration,
        verbose_name=_("income declaration"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_log",
    )
    action = models.CharField(_("what"), max_length=16, choices=IncomeAccess.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("income access log entry")
        verbose_name_plural = _("income access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["household", "-at"], name="income_access_household_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=IncomeAccess.values), name="income_access_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_email} · {self.get_action_display()} · {self.household}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise TypeError("An audit entry cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object):
        raise TypeError("An audit entry cannot be deleted.")
