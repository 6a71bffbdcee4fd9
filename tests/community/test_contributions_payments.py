"""Payments by hand and from a bank statement (CSV): every row checked and matched by the
household's payment reference before anything is written; a dry run writes nothing; a row
imported twice is refused; balances, arrears and statements in a fixed number of queries."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from community.money.models import Payment, PaymentSource
from community.money.selectors.ledger import (
    arrears_list,
    household_balances,
    household_statement,
    payment_list_for_user,
)
from community.money.services.charges import charges_run
from community.money.services.payments import (
    parse_amount_cents,
    payment_record,
    payments_import_csv,
)
from members.models import Household
from tests.community.factories import JULY, JUNE, adopted_scheme, set_budget
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def ref(household: Household) -> str:
    return household.payment_reference


# --- By hand -----------------------------------------------------------------------------


def test_a_manager_records_a_payment(side_a):
    payment = payment_record(
        household=side_a.household,
        amount_cents=45_000,
        paid_on=dt.date(2025, 6, 3),
        reference="cash",
        recorded_by=side_a.manager,
    )

    assert payment.source == PaymentSource.MANUAL
    assert payment.recorded_by == side_a.manager


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_cents": 0}, "amount_cents"),
        ({"amount_cents": -100}, "amount_cents"),
        ({"paid_on": dt.date(2999, 1, 1)}, "paid_on"),
    ],
)
def test_a_bad_payment_is_refused_on_its_field(side_a, changes, field):
    arguments = {
        "household": side_a.household,
        "amount_cents": 1000,
        "paid_on": dt.date(2025, 6, 3),
        **changes,
    }
    with pytest.raises(ValidationError) as error:
        payment_record(**arguments)
    assert set(error.value.message_dict) == {field}
    assert not Payment.objects.exists()


# --- Amounts as banks write them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("450", 45_000),
        ("450.5", 45_050),
        ("450,50", 45_050),
        ("1.234,56", 123_456),
        ("1,234.56", 123_456),
        ("1 234,56", 123_456),
        ("1\u00a0234,56", 123_456),
        ("1,234,567", 123_456_700),
        ("1.234.567,89", 123_456_789),
        ("-12.00", -1200),
        ("+7", 700),
    ],
)
def test_amounts_are_read_in_either_convention(text, cents):
    assert parse_amount_cents(text) == cents


@pytest.mark.parametrize(
    "text", ["", "abc", "1.500", "12.345,6.7", "1.234.56", "12,3456", "1,2,3", "12.", "€12"]
)
def test_unclear_amounts_are_refused(text):
    with pytest.raises(ValueError, match="."):
        parse_amount_cents(text)


# --- Bank statement import ---------------------------------------------------------------


def statement(*rows: str, header: str = "date,amount,reference,name") -> str:
    return "\n".join([header, *rows]) + "\n"


def test_a_dry_run_matches_every_row_and_writes_nothing(side_a):
    text = statement(
        f"2025-06-02,450.00,Rent June {ref(side_a.household)},Ana Pérez",
        f"2025-06-03,380.5,{ref(side_a.neighbour).lower()},",
    )

    result = payments_import_csv(project=side_a.project, file=text, dry_run=True)

    assert result.dry_run
    assert [(row.line, row.household, row.amount_cents) for row in result.rows] == [
        (2, side_a.household, 45_000),
        (3, side_a.neighbour, 38_050),
    ]
    assert result.rows[0].payer_name == "Ana Pérez"
    assert result.total_cents == 83_050
    assert result.payments == []
    assert not Payment.objects.exists()


def test_a_reference_is_found_inside_a_longer_text(side_a):
    text = statement(
        f"2025-06-02,1.00,Transfer NC{ref(side_a.household)}/June,",
        f"2025-06-02,2.00,{ref(side_a.neighbour).lower()}-rent,",
    )

    result = payments_import_csv(project=side_a.project, file=text, dry_run=True)

    assert [row.household for row in result.rows] == [side_a.household, side_a.neighbour]


def test_an_import_writes_every_row(side_a):
    text = statement(
        f"2025-06-02,450.00,Rent June {ref(side_a.household)},Ana Pérez",
        f"2025-06-03,380.50,{ref(side_a.neighbour)},",
    )

    result = payments_import_csv(project=side_a.project, file=text, recorded_by=side_a.manager)

    assert len(result.payments) == 2
    payment = Payment.objects.get(household=side_a.household)
    assert (payment.amount_cents, payment.paid_on, payment.source) == (
        45_000,
        dt.date(2025, 6, 2),
        PaymentSource.BANK_IMPORT,
    )
    assert payment.reference == f"Rent June {ref(side_a.household)}"
    assert payment.recorded_by == side_a.manager


def test_a_statement_with_semicolons_and_decimal_commas_is_read(side_a):
    text = (
        "\ufeffDate;Amount;Reference\n"
        f"02/06/2025;1.250,75;{ref(side_a.household)}\n"
        f'03.06.2025;"12,5";{ref(side_a.neighbour)}\n'
    ).encode()

    result = payments_import_csv(project=side_a.project, file=text)

    assert [(row.paid_on, row.amount_cents) for row in result.rows] == [
        (dt.date(2025, 6, 2), 125_075),
        (dt.date(2025, 6, 3), 1_250),
    ]


def test_one_bad_row_refuses_the_file_naming_each_row_and_why(side_a):
    stranger = HouseholdFactory(project=side_a.other_project)
    text = statement(
        f"2025-06-02,450.00,{ref(side_a.household)},",
        f"2025-06-31,10,{ref(side_a.household)},",
        f"2025-06-04,-20.00,{ref(side_a.neighbour)},",
        "2025-06-05,30.00,no reference at all,",
        f"2025-06-06,40.00,{ref(stranger)},",
        f"2025-06-07,1.500,{ref(side_a.neighbour)},",
        f"2025-06-08,5,{ref(side_a.household)} {ref(side_a.neighbour)},",
    )

    with pytest.raises(ValidationError) as error:
        payments_import_csv(project=side_a.project, file=text)

    messages = error.value.message_dict["file"]
    assert [message.split(":")[0] for message in messages] == [
        "Row 3",
        "Row 4",
        "Row 5",
        "Row 6",
        "Row 7",
        "Row 8",
    ]
    assert "not a date" in messages[0]
    assert "only credits" in messages[1]
    assert "no household of this project" in messages[2]
    assert "no household of this project" in messages[3]  # another project's reference
    assert "ambiguous" in messages[4]
    assert "more than one household" in messages[5]
    assert not Payment.objects.exists()


def test_a_row_imported_before_is_refused_as_a_duplicate(side_a):
    text = statement(f"2025-06-02,450.00,{ref(side_a.household)},")
    payments_import_csv(project=side_a.project, file=text)

    with pytest.raises(ValidationError) as error:
        payments_import_csv(
            project=side_a.project,
            file=text
            + statement(f"2025-06-09,10.00,{ref(side_a.neighbour)},", header="").lstrip("\n"),
        )

    assert error.value.message_dict["file"] == ["Row 2: this payment has been imported already."]
    assert Payment.objects.count() == 1


def test_a_row_repeated_in_one_file_is_refused(side_a):
    row = f"2025-06-02,450.00,{ref(side_a.household)},"

    with pytest.raises(ValidationError) as error:
        payments_import_csv(project=side_a.project, file=statement(row, row))

    assert error.value.message_dict["file"] == ["Row 3: it repeats row 2."]
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("when,how much,why\n2025-06-02,1,x\n", "missing: date, amount, reference"),
        ("date,amount,reference\n", "no rows"),
        (b"date,amount,reference\n\xff\xfe,1,2\n", "UTF-8"),
    ],
)
def test_a_file_that_is_not_a_statement_is_refused(side_a, text, reason):
    with pytest.raises(ValidationError) as error:
        payments_import_csv(project=side_a.project, file=text)
    assert reason in error.value.message_dict["file"][0]


def test_the_import_reads_its_rows_in_a_constant_number_of_queries(
    side_a, django_assert_max_num_queries
):
    def rows(n: int) -> str:
        households = [HouseholdFactory(project=side_a.project) for _ in range(n)]
        return statement(*(f"2025-06-02,{i + 1}.00,{ref(h)}," for i, h in enumerate(households)))

    few_rows, many_rows = rows(2), rows(40)
    with django_assert_max_num_queries(10) as few:
        payments_import_csv(project=side_a.project, file=few_rows)
    with django_assert_max_num_queries(len(few)):
        result = payments_import_csv(project=side_a.project, file=many_rows)
    assert len(result.payments) == 40


# --- Balances, arrears, statements -------------------------------------------------------


@pytest.fixture
def charged(side_a):
    """June and July charged: 1 000.00 a month for each of the two households."""
    adopted_scheme(side_a.project)
    set_budget(side_a.project, JUNE, 200_000)
    set_budget(side_a.project, JULY, 200_000)
    charges_run(project=side_a.project, month=JUNE)
    charges_run(project=side_a.project, month=JULY)
    return side_a


def test_balances_are_charges_minus_payments(charged, django_assert_num_queries):
    payment_record(household=charged.household, amount_cents=150_000, paid_on=dt.date(2025, 7, 3))
    payment_record(household=charged.neighbour, amount_cents=250_000, paid_on=dt.date(2025, 7, 3))
    quiet = HouseholdFactory(project=charged.project, unit_label="9Z")

    with django_assert_num_queries(1):
        balances = {
            h.unit_label: (h.charged_cents, h.paid_cents, h.balance_cents)
            for h in household_balances(project=charged.project)
        }

    assert balances == {
        "1A": (200_000, 150_000, 50_000),
        "1B": (200_000, 250_000, -50_000),
        quiet.unit_label: (0, 0, 0),
    }


def test_arrears_count_the_months_payments_do_not_cover(charged):
    """1A paid 500.00: June is half paid, July unpaid: 1 500.00 owed over two months.
    1B paid 1 000.00: June is paid, July owed."""
    payment_record(household=charged.household, amount_cents=50_000, paid_on=dt.date(2025, 6, 5))
    payment_record(household=charged.neighbour, amount_cents=100_000, paid_on=dt.date(2025, 6, 5))

    rows = arrears_list(project=charged.project)

    assert [(r.household.unit_label, r.balance_cents, r.months_in_arrears) for r in rows] == [
        ("1A", 150_000, 2),
        ("1B", 100_000, 1),
    ]
    assert rows[0].oldest_unpaid_month == JUNE
    assert rows[1].oldest_unpaid_month == JULY
    assert [
        r.household.unit_label for r in arrears_list(project=charged.project, min_months=2)
    ] == ["1A"]
    assert arrears_list(project=charged.project, min_amount_cents=200_000) == []


def test_arrears_take_a_constant_number_of_queries(side_a, charged, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert len(arrears_list(project=side_a.project)) == 2
    for index in range(20):
        HouseholdFactory(project=side_a.project, unit_label=f"N{index}")
    set_budget(side_a.project, dt.date(2025, 8, 1), 220_000)
    charges_run(project=side_a.project, month=dt.date(2025, 8, 1))
    with django_assert_max_num_queries(2):
        assert len(arrears_list(project=side_a.project)) == 22


def test_another_projects_money_is_not_in_the_balances(charged, side_b):
    adopted_scheme(side_b.project)
    set_budget(side_b.project, JUNE, 900_000)
    charges_run(project=side_b.project, month=JUNE)

    labels = {h.pk for h in household_balances(project=charged.project)}
    assert labels == {charged.household.pk, charged.neighbour.pk}
    assert {r.household.pk for r in arrears_list(project=charged.project)} <= labels


def test_a_statement_lists_charges_and_payments_with_a_running_balance(
    charged, django_assert_num_queries
):
    household = charged.household
    payment_record(household=household, amount_cents=30_000, paid_on=dt.date(2025, 5, 20))
    payment_record(household=household, amount_cents=100_000, paid_on=JULY)
    payment_record(household=household, amount_cents=40_000, paid_on=dt.date(2025, 7, 15))

    with django_assert_num_queries(3):
        result = household_statement(household=household, start=JUNE, end=dt.date(2025, 7, 31))

    assert result.opening_balance_cents == -30_000  # paid ahead in May
    assert [
        (line.day, line.kind, line.charge_cents, line.payment_cents, line.balance_cents)
        for line in result.lines
    ] == [
        (JUNE, "charge", 100_000, 0, 70_000),
        (JULY, "charge", 100_000, 0, 170_000),  # a day's charge before its payment
        (JULY, "payment", 0, 100_000, 70_000),
        (dt.date(2025, 7, 15), "payment", 0, 40_000, 30_000),
    ]
    assert result.closing_balance_cents == 30_000
    assert (result.charged_cents, result.paid_cents) == (200_000, 140_000)


def test_payments_are_seen_by_the_household_and_its_managers_only(side_a, side_b):
    for side in (side_a, side_b):
        for household in (side.household, side.neighbour):
            payment_record(household=household, amount_cents=1000, paid_on=JUNE)

    def seen(user) -> set[int]:
        return set(payment_list_for_user(user=user).values_list("household_id", flat=True))

    assert seen(side_a.manager) == {side_a.household.pk, side_a.neighbour.pk}
    assert seen(side_a.resident_user) == {side_a.household.pk}
    assert seen(side_a.officer) == set()
    assert seen(side_b.resident_user) == {side_b.household.pk}
