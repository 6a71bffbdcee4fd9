"""CSV downloads shared by the pages and the API: a header in the reader's language, and cells
a spreadsheet would run as formulas written as text (OWASP "CSV injection")."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from numbers import Number

from babel.numbers import get_currency_precision
from django.http import HttpResponse
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A number as it is (a negative balance stays a number); text that a spreadsheet would
    run as a formula, quoted."""
    if value is None:
        return ""
    if isinstance(value, Number):
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def money_amount(cents: int, currency: str) -> Decimal:
    """Cents in currency units for a spreadsheet: 123456 EUR → 1234.56 (the currency's own
    number of decimals, no grouping)."""
    places = get_currency_precision(currency)
    return (Decimal(cents) / (10**places)).quantize(Decimal(1).scaleb(-places))


def csv_response(
    *, filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([capfirst(str(label)) for label in header])
    writer.writerows([csv_safe(cell) for cell in row] for row in rows)
    return response


def statement_csv_response(statement) -> HttpResponse:
    """A household's statement (community.money.selectors.ledger.household_statement) as CSV:
    the balance brought forward, every charge and payment with the running balance, the totals."""
    household = statement.household
    currency = household.project.city.currency

    def amount(cents: int | None) -> Decimal | str:
        return "" if cents is None else money_amount(cents, currency)

    rows = [
        [statement.start.isoformat(), gettext("Balance brought forward"), "", "",
         amount(statement.opening_balance_cents)],
        *(
            [
                line.day.isoformat(),
                line.description,
                amount(line.charge_cents if line.kind == "charge" else None),
                amount(line.payment_cents if line.kind == "payment" else None),
                amount(line.balance_cents),
            ]
            for line in statement.lines
        ),
        [statement.end.isoformat(), gettext("Total and balance carried forward"),
         amount(statement.charged_cents), amount(statement.paid_cents),
         amount(statement.closing_balance_cents)],
    ]  # fmt: skip
    unit = slugify(household.unit_label) or str(household.pk)
    return csv_response(
        filename=f"statement-{unit}-{statement.start:%Y%m%d}-{statement.end:%Y%m%d}.csv",
        header=[
            gettext("Date"),
            gettext("Entry"),
            gettext("Charge (%(currency)s)") % {"currency": currency},
            gettext("Payment (%(currency)s)") % {"currency": currency},
            gettext("Balance (%(currency)s)") % {"currency": currency},
        ],
        rows=rows,
    )
