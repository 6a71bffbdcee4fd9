"""Writes of budgets, contribution schemes, charges and payments (DESIGN.md §3, §4).

Every write that must see the project's state whole (adopting a scheme, running a month's
charges, importing a bank statement, setting a budget) first locks the project's row, so two of
them on one project run one after the other; the database constraints (one adopted scheme in
force a day, one charge per household and month, one import of a bank row) are the last word.

The formulas are ``community.contributions`` (pure); this module gathers their inputs from the
database and keeps what they return.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from common.months import add_months, first_of_month, last_of_month
from common.validation import Conflict, save_validated
from community.models import (
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetStatus,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
    PaymentSource,
    SchemeStatus,
)
from community.money.contribution_methods import compute_contributions
from community.money.contribution_parameters import scheme_parameters_normalised
from community.money.models import IN_FORCE
from community.money.selectors.contributions import (
    budget_for_month,
    households_living_in_month,
    scheme_in_force,
)
from community.money.selectors.household_facts import month_facts, presence, prorate
from members.models import (
    PAYMENT_REFERENCE_ALPHABET,
    PAYMENT_REFERENCE_LENGTH,
    PAYMENT_REFERENCE_PREFIX,
    Household,
    HousingProject,
    User,
)

logger = logging.getLogger(__name__)

# The PostgreSQL exclusion constraint of migration community 0011.
NO_OVERLAP_CONSTRAINT = "scheme_adopted_no_overlap"
MAX_IMPORT_ROWS = 5000


def _lock_project(project: HousingProject) -> HousingProject:
    return HousingProject.objects.select_for_update().select_related("city").get(pk=project.pk)


def _check_month(month: dt.date, field_name: str = "month") -> None:
    if not isinstance(month, dt.date) or month.day != 1:
        raise ValidationError({field_name: _("Give the first day of a month.")})


def _project_today(project: HousingProject) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(project.city.time_zone))


def _violated_constraint(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


# --- Budgets -----------------------------------------------------------------------------


@transaction.atomic
def budget_set(
    *,
    project: HousingProject,
    month: dt.date,
    lines: Sequence[Mapping[str, Any]],
    status: str = BudgetStatus.APPROVED,
    note: str = "",
) -> Budget:
    """Create or replace the budget of a month: its lines are replaced as a whole.

    Each line is ``{"category", "label", "amount_cents"}``. Errors name the line: the key
    ``lines.<index>.<field>`` (from 0). A month already charged keeps its budget (409): the
    charges were worked out from it.
    """
    _check_month(month)
    errors: dict[str, list[str]] = {}
    if status not in BudgetStatus.values:
        errors["status"] = [_("Choose draft or approved.")]
    if not lines:
        errors["lines"] = [_("A budget needs at least one line.")]
    for index, raw in enumerate(lines or ()):
        prefix = f"lines.{index}."
        if not isinstance(raw, Mapping):
            errors[f"lines.{index}"] = [_("Each line is an object.")]
            continue
        for key in sorted(set(raw) - {"category", "label", "amount_cents"}):
            errors[prefix + str(key)] = [_("Unknown field.")]
        if raw.get("category") not in BudgetCategory.values:
            errors[prefix + "category"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(BudgetCategory.values)}
            ]
        label = raw.get("label") or ""
        if not isinstance(label, str) or len(label) > 120:
            errors[prefix + "label"] = [_("A label is text of at most 120 characters.")]
        amount = raw.get("amount_cents")
        if isinstance(amount, bool) or not isinstance(amount, int):
            errors[prefix + "amount_cents"] = [_("Give a whole number of cents.")]
        elif amount < 0:
            errors[prefix + "amount_cents"] = [_("An amount cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    new_lines = [
        BudgetLine(
            category=raw["category"],
            label=(raw.get("label") or "").strip(),
            amount_cents=raw["amount_cents"],
        )
        for raw in lines
    ]

    project = _lock_project(project)
    if ChargeRun.objects.filter(project=project, month=month).exists():
        raise Conflict(_("This month has been charged: its budget is final."))
    budget = Budget.objects.filter(project=project, month=month).first()
    if budget is None:
        budget = Budget(project=project, month=month)
    budget.status = status
    budget.note = note
    budget.updated_at = timezone.now()
    budget = save_validated(budget)
    budget.lines.all().delete()
    for line in new_lines:
        line.budget = budget
    BudgetLine.objects.bulk_create(new_lines)
    return budget_for_month(project=project, month=month)  # type: ignore[return-value]


# --- Schemes -----------------------------------------------------------------------------


def _check_proposal(scheme: ContributionScheme) -> None:
    proposal = scheme.adopting_proposal
    if proposal is None:
        return
    if proposal.project_id != scheme.project_id:
        raise ValidationError({"adopting_proposal": _("This proposal is of another project.")})
    # Once closed or withdrawn a proposal's passing is behind it: it can adopt nothing more.
    if proposal.status in ("closed", "withdrawn"):
        raise ValidationError({"adopting_proposal": _("This proposal's vote is over.")})


def _check_period(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from is not None and valid_from.day != 1:
        raise ValidationError({"valid_from": _("A scheme starts on the first day of a month.")})
    if valid_to is not None and valid_to != last_of_month(valid_to):
        raise ValidationError({"valid_to": _("A scheme ends on the last day of a month.")})


@transaction.atomic
def scheme_create(
    *,
    project: HousingProject,
    name: str,
    method: str,
    valid_from: dt.date,
    parameters: Mapping | None = None,
    valid_to: dt.date | None = None,
    adopting_proposal=None,
    created_by: User | None = None,
) -> ContributionScheme:
    """A draft scheme. Without ``parameters`` the method's defaults (HUD's for greatest_of)."""
    _check_period(valid_from, valid_to)
    scheme = ContributionScheme(
        project=project,
        name=name,
        method=method,
        parameters=scheme_parameters_normalised(method, parameters),
        valid_from=valid_from,
        valid_to=valid_to,
        adopting_proposal=adopting_proposal,
        created_by=created_by,
    )
    _check_proposal(scheme)
    return save_validated(scheme)


SCHEME_EDITABLE = ("name", "method", "parameters", "valid_from", "valid_to", "adopting_proposal")


@transaction.atomic
def scheme_update(*, scheme: ContributionScheme, **changes: Any) -> ContributionScheme:
    """Change a draft. Changing the method without new parameters starts from its defaults."""
    unknown = set(changes) - set(SCHEME_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    scheme = ContributionScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status != SchemeStatus.DRAFT:
        raise Conflict(_("Only a draft scheme can be changed."))
    method_changed = "method" in changes and changes["method"] != scheme.method
    for name, value in changes.items():
        setattr(scheme, name, value)
    if "parameters" in changes:
        scheme.parameters = scheme_parameters_normalised(scheme.method, changes["parameters"])
    elif method_changed:
        scheme.parameters = scheme_parameters_normalised(scheme.method, None)
    _check_period(scheme.valid_from, scheme.valid_to)
    _check_proposal(scheme)
    return save_validated(scheme)


def _overlapping(scheme: ContributionScheme):
    others = ContributionScheme.objects.filter(IN_FORCE, project_id=scheme.project_id).exclude(
        pk=scheme.pk
    )
    others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=scheme.valid_from))
    if scheme.valid_to is not None:
        others = others.filter(valid_from__lte=scheme.valid_to)
    return others.order_by("valid_from")


def _overlap_error(other: ContributionScheme) -> ValidationError:
    if other.valid_to is None:
        message = _("“%(name)s” is in force from %(start)s with no end.") % {
            "name": other.name,
            "start": other.valid_from.isoformat(),
        }
    else:
        message = _("“%(name)s” is in force from %(start)s to %(end)s.") % {
            "name": other.name,
            "start": other.valid_from.isoformat(),
            "end": other.valid_to.isoformat(),
        }
    return ValidationError({"valid_from": message}, code="overlap")


@transaction.atomic
def scheme_adopt(
    *,
    scheme: ContributionScheme,
    adopted_by: User | None = None,
    decision=None,
) -> ContributionScheme:
    """Put a draft scheme in force over its period: by a manager (``adopted_by``; the caller
    checks that they manage the project) or by a decision of the project's governance.

    Refused with an error on ``valid_from`` when another adopted scheme of the project is in
    force on any day of the period, or when a month of the period has been charged already.
    """
    project = _lock_project(scheme.project)  # serialises adoptions and charge runs
    scheme = ContributionScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status != SchemeStatus.DRAFT:
        raise Conflict(_("Only a draft scheme can be adopted."))
    if decision is not None and decision.project_id != project.pk:
        raise ValidationError({"adopted_by_decision": _("This decision is of another project.")})
    scheme.parameters = scheme_parameters_normalised(scheme.method, scheme.parameters)
    other = _overlapping(scheme).first()
    if other is not None:
        raise _overlap_error(other)
    charged = ChargeRun.objects.filter(project=project, month__gte=scheme.valid_from)
    if scheme.valid_to is not None:
        charged = charged.filter(month__lte=scheme.valid_to)
    first_charged = charged.order_by("month").values_list("month", flat=True).first()
    if first_charged is not None:
        raise ValidationError(
            {
                "valid_from": _("%(month)s has been charged already: start after it.")
                % {"month": first_charged.strftime("%Y-%m")}
            }
        )
    scheme.status = SchemeStatus.ADOPTED
    scheme.adopted_at = timezone.now()
    scheme.adopted_by = adopted_by
    scheme.adopted_by_decision = decision
    scheme.full_clean()
    try:
        with transaction.atomic():
            scheme.save()
    except IntegrityError as exc:
        # Only reachable past the project lock by a write that skipped this service.
        if _violated_constraint(exc) == NO_OVERLAP_CONSTRAINT:
            raise ValidationError(
                {"valid_from": _("Another scheme is in force in this period.")}
            ) from exc
        raise
    return scheme


@dataclass(frozen=True)
class DecisionAdoption:
    adopted: list[ContributionScheme]
    refused: dict[int, list[str]]  # scheme id → why it could not be adopted


def scheme_adopt_by_decision(*, decision) -> DecisionAdoption:
    """Adopt the draft schemes whose adopting proposal this decision closed, if it passed.

    For the governance app, when it records a decision. Safe to call again: a scheme adopted
    already is left alone. A scheme that cannot be adopted (its period overlaps one in force)
    stays a draft and is reported in ``refused``, without undoing the decision.
    """
    if not decision.passed:
        return DecisionAdoption(adopted=[], refused={})
    adopted: list[ContributionScheme] = []
    refused: dict[int, list[str]] = {}
    drafts = ContributionScheme.objects.filter(
        adopting_proposal_id=decision.proposal_id,
        project_id=decision.project_id,
        status=SchemeStatus.DRAFT,
    ).order_by("valid_from", "pk")
    for scheme in drafts:
        try:
            with transaction.atomic():
                adopted.append(scheme_adopt(scheme=scheme, decision=decision))
        except (ValidationError, Conflict) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [exc.message]
            refused[scheme.pk] = list(messages)
            logger.warning(
                "Decision %s could not adopt scheme %s: %s", decision.pk, scheme.pk, messages
            )
    return DecisionAdoption(adopted=adopted, refused=refused)


@transaction.atomic
def scheme_retire(
    *, scheme: ContributionScheme, valid_to: dt.date | None = None
) -> ContributionScheme:
    """End an adopted scheme. It stays on record as in force up to ``valid_to`` (the last day
    of a month; by default the end of the last month charged under it), so that the months it
    applied to keep it; a scheme retired before it ever applied is withdrawn and holds no period.
    A month charged under the scheme cannot be taken from it.
    """
    _lock_project(scheme.project)
    scheme = ContributionScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status != SchemeStatus.ADOPTED:
        raise Conflict(_("Only an adopted scheme can be retired."))
    last_charged = (
        Charge.objects.filter(scheme=scheme).order_by("-month").values_list("month", flat=True)
    ).first()
    if valid_to is None:
        valid_to = last_of_month(last_charged) if last_charged else None
    else:
        _check_period(None, valid_to)
        if valid_to < scheme.valid_from:
            raise ValidationError({"valid_to": _("A scheme cannot end before it starts.")})
        if scheme.valid_to is not None and valid_to > scheme.valid_to:
            raise ValidationError({"valid_to": _("Retiring cannot extend a scheme.")})
        if last_charged is not None and valid_to < last_of_month(last_charged):
            raise ValidationError(
                {
                    "valid_to": _("%(month)s was charged under this scheme: end after it.")
                    % {"month": last_charged.strftime("%Y-%m")}
                }
            )
    scheme.status = SchemeStatus.RETIRED
    scheme.valid_to = valid_to
    scheme.retired_at = timezone.now()
    return save_validated(scheme)


# --- Payments ----------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    household: Household,
    amount_cents: int,
    paid_on: dt.date,
    recorded_by: User | None = None,
    reference: str = "",
    payer_name: str = "",
    note: str = "",
) -> Payment:
    """A payment recorded by hand (cash, a transfer seen on the account)."""
    if paid_on > _project_today(household.project):
        raise ValidationError({"paid_on": _("A payment cannot be dated in the future.")})
    return save_validated(
        Payment(
            household=household,
            amount_cents=amount_cents,
            paid_on=paid_on,
            reference=reference.strip(),
            payer_name=payer_name.strip(),
            note=note,
            source=PaymentSource.MANUAL,
            recorded_by=recorded_by,
        )
    )


@dataclass(frozen=True)
class ImportRow:
    line: int  # the row's line in the file; the header is line 1
    paid_on: dt.date
    amount_cents: int
    reference: str
    payer_name: str
    household: Household


@dataclass
class ImportResult:
    rows: list[ImportRow]
    dry_run: bool
    payments: list[Payment] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(row.amount_cents for row in self.rows)


REQUIRED_COLUMNS = ("date", "amount", "reference")
# Every candidate in a reference, overlapping ones too: in "NCNC7KQ2M9XA" the household's
# reference starts at the third letter.
_REFERENCE = re.compile(
    rf"(?=({PAYMENT_REFERENCE_PREFIX}[{PAYMENT_REFERENCE_ALPHABET}]{{{PAYMENT_REFERENCE_LENGTH}}}))",
    re.IGNORECASE,
)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
_AMOUNT = re.compile(r"^([+-]?)(\d[\d.,]*\d|\d)$")


def parse_amount_cents(text: str) -> int:
    """An amount in currency units, as banks write it, in cents: ``1234.5``, ``1234,50``,
    ``1.234,50``, ``1,234.50``, ``1 234,50``, ``-12.00``. The decimal separator is the last
    ``.`` or ``,`` when one or two digits follow it; the other separator groups thousands. A
    single separator followed by three digits (``1.500``) is ambiguous and refused, as are
    more than two decimals. Raises ``ValueError`` with the reason."""
    not_an_amount = _("“%(value)s” is not an amount.") % {"value": text}
    match = _AMOUNT.match(re.sub(r"[\s\u00a0\u202f']", "", text))
    if not match:
        raise ValueError(not_an_amount)
    sign, digits = match.groups()
    whole, decimals = digits, ""
    separators = [c for c in digits if c in ".,"]
    if separators:
        last = max(digits.rfind("."), digits.rfind(","))
        tail = digits[last + 1 :]
        if len(tail) <= 2:
            whole, decimals = digits[:last], tail
            if digits[last] in whole:  # "1.234.56": the decimal mark used twice
                raise ValueError(not_an_amount)
        elif len(tail) == 3 and len(separators) == 1:
            raise ValueError(
                _("“%(value)s” is ambiguous: write the decimals with two digits.") % {"value": text}
            )
        elif len(tail) != 3 or len(set(separators)) != 1:
            raise ValueError(_("“%(value)s” has more than two decimals.") % {"value": text})
    groups = re.split(r"[.,]", whole)
    if len(groups) > 1 and (
        not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:])
    ):
        raise ValueError(not_an_amount)
    cents = int("".join(groups)) * 100 + int(decimals.ljust(2, "0") or 0)
    return -cents if sign == "-" else cents


def _parse_date(text: str) -> dt.date:
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise ValueError(
        _("“%(value)s” is not a date (YYYY-MM-DD, DD/MM/YYYY or DD.MM.YYYY).") % {"value": text}
    )


def _read_text(file: str | bytes | IO) -> str:
    content = file.read() if hasattr(file, "read") else file
    if isinstance(content, bytes):
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": _("The file is not UTF-8 text.")}) from exc
    return content.removeprefix("\ufeff")


def _csv_rows(text: str) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The column positions and the data rows with their line numbers."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ValidationError({"file": _("The file is empty.")})
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ValidationError(
            {
                "file": _(
                    "The first row must name the columns date, amount and reference "
                    "(and optionally name); missing: %(missing)s."
                )
                % {"missing": ", ".join(missing)}
            }
        )
    columns = {name: header.index(name) for name in (*REQUIRED_COLUMNS, "name") if name in header}
    rows = []
    for values in reader:
        if not any(value.strip() for value in values):
            continue  # a blank line
        rows.append((reader.line_num, values))
    return columns, rows


def _project_references(project: HousingProject) -> dict[str, Household]:
    return {
        household.payment_reference.upper(): household
        for household in Household.objects.filter(project=project).select_related("project")
    }


@transaction.atomic
def payments_import_csv(
    *,
    project: HousingProject,
    file: str | bytes | IO,
    dry_run: bool = False,
    recorded_by: User | None = None,
) -> ImportResult:
    """Import the credit rows of a bank statement as payments of the project's households.

    Columns (named in the first row, in any order, separated by commas, semicolons or tabs):
    ``date``, ``amount`` (currency units, decimal point or comma), ``reference`` (must contain a
    household's payment reference, e.g. ``NC7KQ2M9XA``) and optionally ``name``. All or nothing:
    any invalid, unmatched or already imported row refuses the whole file with a
    ``ValidationError`` on ``file`` listing each such row and why. A dry run checks and matches
    the rows and writes nothing.
    """
    project = _lock_project(project) if not dry_run else project
    columns, raw_rows = _csv_rows(_read_text(file))
    if not raw_rows:
        raise ValidationError({"file": _("The file has no rows to import.")})
    if len(raw_rows) > MAX_IMPORT_ROWS:
        raise ValidationError(
            {"file": _("Import at most %(count)s rows at a time.") % {"count": MAX_IMPORT_ROWS}}
        )
    references = _project_references(project)
    today = _project_today(project)
    problems: list[tuple[int, str]] = []
    rows: list[ImportRow] = []
    seen: dict[tuple, int] = {}

    def problem(line: int, reason: str) -> None:
        problems.append((line, _("Row %(line)s: %(reason)s") % {"line": line, "reason": reason}))

    for line, values in raw_rows:

        def cell(name: str, values: list[str] = values) -> str:
            index = columns.get(name)
            return values[index].strip() if index is not None and index < len(values) else ""

        reasons: list[str] = []
        paid_on = amount = household = None
        try:
            paid_on = _parse_date(cell("date"))
            if paid_on > today:
                reasons.append(_("the date is in the future."))
        except ValueError as exc:
            reasons.append(str(exc))
        try:
            amount = parse_amount_cents(cell("amount"))
            if amount <= 0:
                reasons.append(_("only credits (amounts above zero) are payments."))
        except ValueError as exc:
            reasons.append(str(exc))
        reference = cell("reference")
        found = {match.upper() for match in _REFERENCE.findall(reference)}
        matched = {references[code] for code in found if code in references}
        if len(reference) > 140:
            reasons.append(_("the reference is longer than 140 characters."))
        elif not matched:
            reasons.append(
                _("no household of this project has the reference “%(reference)s”.")
                % {"reference": reference}
            )
        elif len(matched) > 1:
            reasons.append(_("the reference names more than one household."))
        else:
            household = matched.pop()
        if reasons:
            problem(line, " ".join(reasons))
            continue
        key = (household.pk, paid_on, amount, reference)
        if key in seen:
            problem(line, _("it repeats row %(line)s.") % {"line": seen[key]})
            continue
        seen[key] = line
        rows.append(
            ImportRow(
                line=line,
                paid_on=paid_on,
                amount_cents=amount,
                reference=reference,
                payer_name=cell("name")[:140],
                household=household,
            )
        )

    if rows:
        imported = set(
            Payment.objects.filter(
                household__in=[row.household for row in rows],
                source=PaymentSource.BANK_IMPORT,
                paid_on__in={row.paid_on for row in rows},
            ).values_list("household_id", "paid_on", "amount_cents", "reference")
        )
        for row in rows:
            if (row.household.pk, row.paid_on, row.amount_cents, row.reference) in imported:
                problem(row.line, _("this payment has been imported already."))
    if problems:
        raise ValidationError({"file": [message for _line, message in sorted(problems)]})

    result = ImportResult(rows=rows, dry_run=dry_run)
    if dry_run:
        return result
    payments = [
        Payment(
            household=row.household,
            amount_cents=row.amount_cents,
            paid_on=row.paid_on,
            reference=row.reference,
            payer_name=row.payer_name,
            source=PaymentSource.BANK_IMPORT,
            recorded_by=recorded_by,
        )
        for row in rows
    ]
    try:
        with transaction.atomic():
            result.payments = Payment.objects.bulk_create(payments)
    except IntegrityError as exc:
        raise ValidationError(
            {"file": _("These payments were imported at the same time by someone else.")}
        ) from exc
    return result


# --- The monthly charge run --------------------------------------------------------------


def _latest_month_to_charge(project: HousingProject) -> dt.date:
    # The month after the current one may be charged too: at 02:00 UTC on the 1st, the
    # monthly run finds cities west of Greenwich still on the last day of the month before.
    return first_of_month(add_months(first_of_month(_project_today(project)), 1))


@transaction.atomic
def charges_run(
    *, project: HousingProject, month: dt.date, triggered_by: User | None = None
) -> ChargeRun:
    """Charge every household living in the project during ``month`` (its first day) under the
    scheme in force that month, against the month's approved budget (DESIGN.md §4).

    - Income facts come from each household's latest declaration valid on the first day it
      lives there in the month.
    - A household living there only part of the month pays its full-month amount × days lived
      ÷ days in the month, rounded half-even (move-in and move-out days count as lived). The
      other households do not make up the difference: the run reports it as shortfall.
    - Idempotent and safe in parallel: the project's row lock serialises runs; a month run
      already returns its run unchanged; the unique constraints on the run and on each
      household's month are the last word.
    """
    _check_month(month)
    project = _lock_project(project)
    done = ChargeRun.objects.filter(project=project, month=month).first()
    if done is not None:
        return done
    if month > _latest_month_to_charge(project):
        raise ValidationError({"month": _("This month cannot be charged yet.")})
    scheme = scheme_in_force(project=project, on=month)
    if scheme is None:
        raise ValidationError({"month": _("No contribution scheme is in force in this month.")})
    budget = budget_for_month(project=project, month=month)
    if budget is None or budget.status != BudgetStatus.APPROVED:
        raise ValidationError({"month": _("This month has no approved budget.")})

    households = list(households_living_in_month(project=project, month=month))
    days_lived = {household.pk: presence(household, month) for household in households}
    facts, declarations = month_facts(households, month, days_lived)
    result = compute_contributions(
        method=scheme.method,
        parameters=scheme.parameters,
        households=facts,
        budget_cents=budget.total_cents,
    )
    stale_before = add_months(month, -project.income_validity_months)
    run = ChargeRun.objects.create(
        project=project, month=month, scheme=scheme, triggered_by=triggered_by
    )
    charges = []
    warnings = list(result.warnings)
    for household in households:
        full = result.amounts[household.pk]
        days = days_lived[household.pk]
        amount = prorate(full, days)
        declaration = declarations.get(household.pk)
        breakdown = {
            **result.lines[household.pk],
            "method": scheme.method,
            "full_month_cents": full,
            "days": days.days,
            "days_in_month": days.days_in_month,
            "amount_cents": amount,
            "income_declaration": declaration.pk if declaration else None,
        }
        if declaration is not None and declaration.valid_from <= stale_before:
            breakdown["income_stale"] = True
            if "stale_income" not in warnings:
                warnings.append("stale_income")
        charges.append(
            Charge(
                household=household,
                month=month,
                amount_cents=amount,
                scheme=scheme,
                run=run,
                breakdown=breakdown,
            )
        )
    Charge.objects.bulk_create(charges, ignore_conflicts=True)
    totals = Charge.objects.filter(run=run).aggregate(total=Sum("amount_cents"))
    run.household_count = Charge.objects.filter(run=run).count()
    run.total_cents = totals["total"] or 0
    run.budget_cents = budget.total_cents
    run.shortfall_cents = max(budget.total_cents - run.total_cents, 0)
    run.surplus_cents = max(run.total_cents - budget.total_cents, 0)
    run.warnings = warnings
    run.finished_at = timezone.now()
    run.save()
    return run
