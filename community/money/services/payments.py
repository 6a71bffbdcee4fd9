"""Writes of payments: one recorded by hand, or a bank statement imported (a dry run first),
each row matched to its household by the payment reference."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from common.validation import MAX_AMOUNT_CENTS, save_validated, validate_plausible_date
from community.money.models import Payment, PaymentSource
from community.money.services.shared import lock_project, project_today
from members.models import (
    PAYMENT_REFERENCE_ALPHABET,
    PAYMENT_REFERENCE_LENGTH,
    PAYMENT_REFERENCE_PREFIX,
    Household,
    HousingProject,
    User,
)

MAX_IMPORT_ROWS = 5000


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
    if paid_on > project_today(household.project):
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
    if cents > MAX_AMOUNT_CENTS:
        raise ValueError(_("“%(value)s” is too large an amount.") % {"value": text})
    return -cents if sign == "-" else cents


def _parse_date(text: str) -> dt.date:
    for pattern in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
        try:
            validate_plausible_date(day)
        except ValidationError as exc:
            raise ValueError(_("“%(value)s” is not a plausible date.") % {"value": text}) from exc
        return day
    raise ValueError(
        _("“%(value)s” is not a date (YYYY-MM-DD, DD/MM/YYYY or DD.MM.YYYY).") % {"value": text}
    )


def _read_text(file: str | bytes | IO) -> str:
    content = file.read() if hasattr(file, "read") else file
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": _("The file is not UTF-8 text.")}) from exc
    if "\x00" in content:  # no text file holds one, and PostgreSQL's text refuses it
        raise ValidationError({"file": _("The file is not a CSV text file.")})
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


def _import_row(
    line: int,
    values: list[str],
    columns: dict[str, int],
    references: dict[str, Household],
    today: dt.date,
) -> tuple[ImportRow | None, list[str]]:
    """A data row of the statement as a household's payment, or the reasons it is refused."""

    def cell(name: str) -> str:
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
        return None, reasons
    row = ImportRow(
        line=line,
        paid_on=paid_on,
        amount_cents=amount,
        reference=reference,
        payer_name=cell("name")[:140],
        household=household,
    )
    return row, []


def _already_imported(rows: list[ImportRow]) -> list[ImportRow]:
    """The rows that an earlier import of the project's statements has recorded already."""
    if not rows:
        return []
    imported = set(
        Payment.objects.filter(
            household__in=[row.household for row in rows],
            source=PaymentSource.BANK_IMPORT,
            paid_on__in={row.paid_on for row in rows},
        ).values_list("household_id", "paid_on", "amount_cents", "reference")
    )
    return [
        row
        for row in rows
        if (row.household.pk, row.paid_on, row.amount_cents, row.reference) in imported
    ]


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
    project = lock_project(project) if not dry_run else project
    columns, raw_rows = _csv_rows(_read_text(file))
    if not raw_rows:
        raise ValidationError({"file": _("The file has no rows to import.")})
    if len(raw_rows) > MAX_IMPORT_ROWS:
        raise ValidationError(
            {"file": _("Import at most %(count)s rows at a time.") % {"count": MAX_IMPORT_ROWS}}
        )
    references = _project_references(project)
    today = project_today(project)
    problems: list[tuple[int, str]] = []
    rows: list[ImportRow] = []
    seen: dict[tuple, int] = {}

    def problem(line: int, reason: str) -> None:
        problems.append((line, _("Row %(line)s: %(reason)s") % {"line": line, "reason": reason}))

    for line, values in raw_rows:
        row, reasons = _import_row(line, values, columns, references, today)
        if row is None:
            problem(line, " ".join(reasons))
            continue
        key = (row.household.pk, row.paid_on, row.amount_cents, row.reference)
        if key in seen:
            problem(line, _("it repeats row %(line)s.") % {"line": seen[key]})
            continue
        seen[key] = line
        rows.append(row)
    for row in _already_imported(rows):
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
