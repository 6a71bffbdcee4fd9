"""Forms of the contributions pages. They validate the input's shape; the services validate the
rules and their errors come back onto the fields (``common.forms.submit``).

Amounts are typed in the currency's units and handed on in integer cents (``MoneyField``), rates
in percent as exact decimal strings, months as ``YYYY-MM`` (an ``<input type="month">``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput, MoneyField, run_service
from common.months import last_of_month
from common.validation import Conflict
from community.money.contribution_parameters import Method, default_parameters
from community.money.models import BudgetCategory, BudgetStatus
from members.models import EvidenceStatus, Household

T = TypeVar("T")

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_ROWS = 200  # rows of a budget or of income bands shown again
MIN_YEAR, MAX_YEAR = 1900, 2999


# --- Months and amounts --------------------------------------------------------------------


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


class MonthField(forms.DateField):
    """A month, typed ``2025-07`` (or any day of it), cleaned to its first day."""

    widget = MonthInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        kwargs.setdefault("help_text", _("Year and month, for example 2025-07."))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is None:
            return None
        if not month_in_range(day):
            raise ValidationError(
                _("Give a month between %(first)s and %(last)s."),
                code="month_range",
                params={"first": MIN_YEAR, "last": MAX_YEAR},
            )
        return day.replace(day=1)


def month_in_range(day: dt.date) -> bool:
    """Whether a month is one the pages deal in; outside, the month before or after it may not
    exist as a date (year 1, year 9999)."""
    return MIN_YEAR <= day.year <= MAX_YEAR


def month_value(day: dt.date) -> str:
    """How a month goes into a link: ``2025-07``."""
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(raw: str | None, default: dt.date) -> dt.date:
    """The month of a ``?month=`` query (``2025-07``, or a day of it), else ``default``'s."""
    for pattern in ("%Y-%m", "%Y-%m-%d"):
        try:
            month = dt.datetime.strptime(raw or "", pattern).date().replace(day=1)  # noqa: DTZ007
        except ValueError:
            continue
        if month_in_range(month):
            return month
    return default.replace(day=1)


def units(cents: int | None) -> Decimal | None:
    """Cents shown in a money field: 12345 → 123.45."""
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


def stored_percent(value: Decimal | None) -> str | None:
    """A typed percentage as the formulas keep it: an exact decimal string ("2.5"), in no
    language (``common.display.percent_text`` writes a share for the eye: "2,5 %")."""
    return None if value is None else format(value.normalize(), "f")


class PercentField(forms.DecimalField):
    """A rate in percent, typed with the language's decimal mark; the formulas judge its range."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 6)
        super().__init__(localize=True, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")


# --- Service errors onto the form ------------------------------------------------------------


def place_on(form: forms.Form, key: str, errors: list[ValidationError]) -> bool:
    """Put errors on the form's field of that name; False when it has none."""
    if key in form.fields:
        form.add_error(key, errors)
        return True
    return False


def add_formset_errors(formset: forms.BaseFormSet, errors: Iterable[Any]) -> None:
    """Errors about the rows as a whole (bands that overlap), shown above the table."""
    formset.full_clean()
    current = formset._non_form_errors  # noqa: SLF001 - Django keeps them here
    if current is None:
        current = formset._non_form_errors = ErrorList(error_class="nonform")  # noqa: SLF001
    for error in errors:
        current.extend(error.messages if isinstance(error, ValidationError) else [error])


def rows_as_typed(data: Mapping[str, Any], prefix: str, names: Iterable[str]) -> list[dict]:
    """The rows of a posted formset as typed, the removed ones left out, as the initial values
    of a fresh table: the "Add a row" button shows them again, with one more, and no errors
    (the rows are judged on "Save")."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_ROWS)
    except ValueError:
        total = 0
    return [
        {name: data.get(f"{prefix}-{index}-{name}", "") for name in names}
        for index in range(total)
        if not data.get(f"{prefix}-{index}-DELETE")
    ]


def as_typed(data: Mapping[str, Any], form_class: type[forms.Form]) -> dict[str, Any]:
    """A form's posted values as the initial values of an unbound copy (no errors shown)."""
    return {name: data.get(name) for name in form_class.base_fields if name in data}


# --- Budget --------------------------------------------------------------------------------


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=BudgetCategory.choices, initial=BudgetCategory.LOAN
    )
    label = forms.CharField(label=_("Label"), max_length=120, required=False)
    amount_cents = MoneyField(label=_("Amount"), required=False)


class BaseBudgetLineFormSet(forms.BaseFormSet):
    def lines(self) -> tuple[list[dict[str, Any]], list[int]]:
        """The lines kept (not removed, not left empty) for ``budget_set``, and the index of
        each line's row in the formset, to put the service's errors back on it."""
        lines, rows = [], []
        for index, form in enumerate(self.forms):
            if not form.has_changed() and not form.cleaned_data.get("amount_cents"):
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            data = form.cleaned_data
            lines.append(
                {
                    "category": data["category"],
                    "label": data["label"],
                    "amount_cents": data["amount_cents"],
                }
            )
            rows.append(index)
        return lines, rows

    def clean(self) -> None:
        for form in self.forms:
            if not form.has_changed() or (self.can_delete and self._should_delete_form(form)):
                continue
            if form.cleaned_data.get("amount_cents") is None and "amount_cents" not in form.errors:
                form.add_error("amount_cents", _("Give the amount of this line."))


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm, formset=BaseBudgetLineFormSet, extra=0, can_delete=True
)


class BudgetForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=BudgetStatus.choices,
        initial=BudgetStatus.APPROVED,
        help_text=_("Only an approved budget can be charged."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def budget_line_initial(lines: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {"category": line.category, "label": line.label, "amount_cents": units(line.amount_cents)}
        for line in lines
    ]


# --- Schemes -------------------------------------------------------------------------------


class SchemeForm(forms.Form):
    """What every scheme has, whatever its method."""

    name = forms.CharField(label=_("Name"), max_length=160)
    valid_from = MonthField(label=_("In force from"))
    valid_to = MonthField(
        label=_("Until (included)"),
        required=False,
        help_text=_("The last month it applies; leave empty while it has no end."),
    )

    def clean_valid_to(self) -> dt.date | None:
        month = self.cleaned_data.get("valid_to")
        return None if month is None else last_of_month(month)

    @staticmethod
    def initial_for(scheme: Any) -> dict[str, Any]:
        return {"name": scheme.name, "valid_from": scheme.valid_from, "valid_to": scheme.valid_to}


_CAP_CHOICES = [
    ("", _("No cap")),
    ("fixed", _("A fixed amount")),
    ("cost_share", _("The unit's cost share")),
]
_MISSING_CHOICES = [
    ("cap", _("Pay their cap (or full cost share)")),
    ("floor", _("Count as having no income")),
]
_BASIS_CHOICES = [("equal", _("Equal shares")), ("unit_area", _("By unit size (m²)"))]
_INCOME_KIND_CHOICES = [
    ("disposable", _("Disposable income")),
    ("equivalised", _("Equivalised income (OECD scale)")),
]


class ParametersForm(forms.Form):
    """The parameters of one method, as fields named like the parameters themselves, so the
    formulas' errors (``parameters.<name>``) land on them. ``parameters()`` gives them back."""

    method: Method
    money = ()  # the parameters kept in cents, shown in the currency's units
    percents = ()  # exact decimal strings of percent

    def __init__(self, *args: Any, parameters: Mapping[str, Any] | None = None, **kwargs: Any):
        if parameters is not None and not args and "data" not in kwargs:
            kwargs["initial"] = self.initial_from(parameters)
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_from(cls, parameters: Mapping[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name, value in parameters.items():
            if name in cls.money:
                initial[name] = units(value)
            elif name in cls.percents:
                initial[name] = None if value is None else Decimal(value)
            else:
                initial[name] = value
        if "cap" in cls.base_fields:
            if parameters.get("cap") == "cost_share":
                initial["cap"] = "cost_share"
            elif parameters.get("cap_cents") is not None:
                initial["cap"] = "fixed"
            else:
                initial["cap"] = ""
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "cap" in self.fields and data.get("cap") == "fixed" and data.get("cap_cents") is None:
            self.add_error("cap_cents", _("Give the amount of the cap."))
        return data

    def parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        parameters: dict[str, Any] = {}
        for name in self.fields:
            value = data.get(name)
            if name in self.percents:
                value = stored_percent(value)
            parameters[name] = value
        if "cap" in self.fields:
            kind = parameters.pop("cap")
            parameters["cap"] = "cost_share" if kind == "cost_share" else None
            if kind != "fixed":
                parameters["cap_cents"] = None
        for name in ("floor_cents", "minimum_cents"):
            if name in parameters and parameters[name] is None:
                parameters[name] = 0
        return parameters


class CostShareFields(forms.Form):
    """What income methods need for a household without a declaration, and for a cap at the
    unit's cost share."""

    missing_income = forms.ChoiceField(
        label=_("Households without an income declaration"), choices=_MISSING_CHOICES
    )
    cost_share_basis = forms.ChoiceField(
        label=_("Cost share of a unit"),
        choices=_BASIS_CHOICES,
        help_text=_("The unit's share of the month's budget."),
    )
    cost_share_percent = PercentField(
        label=_("Cost share, as a percentage of that share"),
        help_text=_("100 is the cost price; 150 lets a household pay half as much again."),
    )


class CapFields(forms.Form):
    cap = forms.ChoiceField(label=_("Cap"), choices=_CAP_CHOICES, required=False)
    cap_cents = MoneyField(label=_("Cap amount per month"), required=False)


_COST_SHARE = ["missing_income", "cost_share_basis", "cost_share_percent"]
_CAP = ["cap", "cap_cents"]


class FlatParametersForm(ParametersForm):
    method = Method.FLAT
    basis = forms.ChoiceField(label=_("Split the budget"), choices=_BASIS_CHOICES)


class IncomeShareParametersForm(ParametersForm, CapFields, CostShareFields):
    method = Method.INCOME_SHARE
    field_order = ["rate_percent", "floor_cents", *_CAP, *_COST_SHARE]
    money = ("floor_cents", "cap_cents")
    percents = ("rate_percent", "cost_share_percent")
    rate_percent = PercentField(label=_("Rate, as a percentage of disposable income"))
    floor_cents = MoneyField(label=_("Floor per month"), required=False)


class IncomeBandsParametersForm(ParametersForm, CostShareFields):
    method = Method.INCOME_BANDS
    field_order = ["income", *_COST_SHARE]
    percents = ("cost_share_percent",)
    income = forms.ChoiceField(label=_("Bands of"), choices=_INCOME_KIND_CHOICES)


class GreatestOfParametersForm(ParametersForm, CapFields, CostShareFields):
    method = Method.GREATEST_OF
    money = (
        "minimum_cents",
        "dependant_allowance_cents",
        "elderly_allowance_cents",
        "cap_cents",
    )
    percents = (
        "adjusted_rate_percent",
        "gross_rate_percent",
        "medical_threshold_percent",
        "cost_share_percent",
    )
    income = forms.ChoiceField(
        label=_("Income counted"),
        choices=[("gross", _("Gross income")), ("disposable", _("Disposable income"))],
    )
    adjusted_rate_percent = PercentField(label=_("Rate of the adjusted income, in %"))
    gross_rate_percent = PercentField(label=_("Rate of the gross income, in %"))
    minimum_cents = MoneyField(label=_("Minimum rent per month"), required=False)
    hardship_exemption = forms.BooleanField(
        label=_("Hardship exemption from the minimum rent"), required=False
    )
    dependant_allowance_cents = MoneyField(label=_("Allowance per dependant, per year"))
    elderly_allowance_cents = MoneyField(
        label=_("Allowance for an elderly or disabled household, per year")
    )
    medical_threshold_percent = PercentField(
        label=_("Medical and care costs deducted above this percentage of annual income")
    )
    medical_deduction = forms.ChoiceField(
        label=_("Deduct medical and care costs for"),
        choices=[
            ("elderly_or_disabled", _("Elderly or disabled households")),
            ("all", _("Every household")),
            ("none", _("Nobody")),
        ],
    )
    deduct_childcare = forms.BooleanField(label=_("Deduct childcare costs"), required=False)
    field_order = [
        "income",
        "adjusted_rate_percent",
        "gross_rate_percent",
        "minimum_cents",
        "hardship_exemption",
        "dependant_allowance_cents",
        "elderly_allowance_cents",
        "medical_threshold_percent",
        "medical_deduction",
        "deduct_childcare",
        *_CAP,
        *_COST_SHARE,
    ]


class SolidarityParametersForm(ParametersForm, CapFields, CostShareFields):
    method = Method.SOLIDARITY
    field_order = ["income", "floor_cents", *_CAP, *_COST_SHARE]
    money = ("floor_cents", "cap_cents")
    percents = ("cost_share_percent",)
    income = forms.ChoiceField(label=_("Income counted"), choices=_INCOME_KIND_CHOICES)
    floor_cents = MoneyField(label=_("Floor per month"), required=False)


PARAMETER_FORMS: dict[str, type[ParametersForm]] = {
    form.method.value: form
    for form in (
        FlatParametersForm,
        IncomeShareParametersForm,
        IncomeBandsParametersForm,
        GreatestOfParametersForm,
        SolidarityParametersForm,
    )
}


class BandForm(forms.Form):
    from_cents = MoneyField(label=_("From"), required=False)
    to_cents = MoneyField(
        label=_("Up to"), required=False, help_text=_("Empty: no upper limit (the last band).")
    )
    amount_cents = MoneyField(label=_("Fixed amount"), required=False)
    rate_percent = PercentField(label=_("or rate, in %"), required=False)


class BaseBandFormSet(forms.BaseFormSet):
    def bands(self) -> list[dict[str, Any]]:
        """The bands in the order typed (the formulas number them so), removed and untouched
        empty rows left out."""
        bands = []
        for form in self.forms:
            if not form.has_changed() and not any(form.cleaned_data.values()):
                continue
            if self._should_delete_form(form):
                continue
            data = form.cleaned_data
            band: dict[str, Any] = {
                "from_cents": data.get("from_cents"),
                "to_cents": data.get("to_cents"),
            }
            if data.get("amount_cents") is not None:
                band["amount_cents"] = data["amount_cents"]
            if data.get("rate_percent") is not None:
                band["rate_percent"] = stored_percent(data["rate_percent"])
            bands.append(band)
        return bands


BandFormSet = forms.formset_factory(BandForm, formset=BaseBandFormSet, extra=0, can_delete=True)


def band_initial(bands: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "from_cents": units(band.get("from_cents")),
            "to_cents": units(band.get("to_cents")),
            "amount_cents": units(band.get("amount_cents")),
            "rate_percent": Decimal(band["rate_percent"]) if "rate_percent" in band else None,
        }
        for band in bands
    ]


class SchemeForms:
    """The forms of a scheme's page: its name and period, its method's parameters and, for
    income bands, the table of bands."""

    def __init__(
        self,
        method: str,
        data: Mapping[str, Any] | None = None,
        *,
        initial: Mapping[str, Any] | None = None,
        parameters: Mapping[str, Any] | None = None,
        typed: Mapping[str, Any] | None = None,
        with_scheme: bool = True,
    ) -> None:
        """Bound to ``data``; or showing ``typed`` (posted values) again unbound, with one
        more band; or showing ``initial`` and ``parameters`` (the method's defaults if None)."""
        self.method = method
        form_class: type[ParametersForm] = PARAMETER_FORMS[method]
        self.scheme = None
        self.bands = None
        bands_wanted = method == Method.INCOME_BANDS
        if data is not None:
            self.scheme = SchemeForm(data) if with_scheme else None
            self.parameters = form_class(data)
            if bands_wanted:
                self.bands = BandFormSet(data, prefix="bands")
            return
        if typed is not None:
            if with_scheme:
                self.scheme = SchemeForm(initial=as_typed(typed, SchemeForm))
            self.parameters = form_class(initial=as_typed(typed, form_class))
            if bands_wanted:
                rows = rows_as_typed(typed, "bands", BandForm.base_fields)
                self.bands = BandFormSet(initial=[*rows, {}], prefix="bands")
            return
        if with_scheme:
            self.scheme = SchemeForm(initial=initial)
        parameters = parameters if parameters is not None else default_parameters(method)
        self.parameters = form_class(parameters=parameters)
        if bands_wanted:
            self.bands = BandFormSet(
                initial=band_initial(parameters.get("bands", ())), prefix="bands"
            )

    def __iter__(self) -> Iterator[forms.BaseForm | forms.BaseFormSet]:
        """The forms and formset shown, in the page's order (for its summary of errors)."""
        return iter(f for f in (self.scheme, self.parameters, self.bands) if f is not None)

    def is_valid(self) -> bool:
        forms_valid = [self.parameters.is_valid()]
        if self.scheme is not None:
            forms_valid.append(self.scheme.is_valid())
        if self.bands is not None:
            forms_valid.append(self.bands.is_valid())
        return all(forms_valid)

    def parameter_values(self) -> dict[str, Any]:
        values = self.parameters.parameters()
        if self.bands is not None:
            values["bands"] = self.bands.bands()
        return values

    def place(self, key: str, errors: list[ValidationError]) -> bool:
        """Where a service's error goes: ``parameters.<name>`` on the parameter's field or the
        bands table, the scheme's own fields on the scheme form."""
        if key.startswith("parameters."):
            name = key.removeprefix("parameters.")
            if name == "bands" and self.bands is not None:
                add_formset_errors(self.bands, errors)
                return True
            if name in self.parameters.fields:
                self.parameters.add_error(name, errors)
                return True
            if name == "cap_cents" and "cap" in self.parameters.fields:
                self.parameters.add_error("cap", errors)
                return True
            self.parameters.add_error(None, errors)
            return True
        if key == "parameters":
            self.parameters.add_error(None, errors)
            return True
        return self.scheme is not None and place_on(self.scheme, key, errors)

    def submit(self, service: Any) -> Any:
        fallback = self.scheme if self.scheme is not None else self.parameters
        try:
            return run_service(fallback, service, place=self.place)
        except Conflict as exc:
            fallback.add_error(None, exc.message)
            return None


class RetireForm(forms.Form):
    valid_to = MonthField(
        label=_("Last month in force"),
        required=False,
        help_text=_("Empty: the last month charged under it (or never in force, if none)."),
    )
    # Set by the confirmation the page asks for, once it has said what retiring means.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_valid_to(self) -> dt.date | None:
        month = self.cleaned_data.get("valid_to")
        return None if month is None else last_of_month(month)


class SimulationForm(forms.Form):
    month = MonthField(label=_("Month"))


class CompareForm(forms.Form):
    """Two schemes to put side by side: a scheme of the project (``scheme:<id>``) or a method's
    default parameters (``method:<name>``)."""

    first = forms.ChoiceField(label=_("First scheme"))
    second = forms.ChoiceField(label=_("Second scheme"))
    month = MonthField(label=_("Month"))

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices


# --- Charges and payments -------------------------------------------------------------------


class ChargeRunForm(forms.Form):
    month = MonthField(label=_("Month to charge"))
    # Set by the confirmation the page asks for when charging the month has consequences.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class PaymentForm(forms.Form):
    household = forms.ModelChoiceField(label=_("Household"), queryset=Household.objects.none())
    amount_cents = MoneyField(label=_("Amount"))
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    reference = forms.CharField(label=_("Reference"), max_length=140, required=False)
    payer_name = forms.CharField(label=_("Payer"), max_length=140, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, households: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda household: household.unit_label


class PaymentImportForm(forms.Form):
    """The bank statement: a file on the first step, its text carried to the confirmation."""

    file = forms.FileField(
        label=_("Bank statement (CSV)"),
        required=False,
        help_text=_(
            "Columns date, amount and reference (and optionally name), named in the first row."
        ),
    )
    text = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                self.add_error("file", _("The file is larger than 2 MB."))
                return data
            content = upload.read()
            try:
                data["text"] = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not UTF-8 text."))
        elif not data.get("text"):
            self.add_error("file", _("Choose the bank statement's file."))
        return data


class ArrearsFilterForm(forms.Form):
    min_amount_cents = MoneyField(label=_("Owing at least"), required=False)
    min_months = forms.IntegerField(
        label=_("For at least (months)"), min_value=0, max_value=120, required=False
    )


class StatementPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end cannot be before the start."))
        return data


# --- Income ---------------------------------------------------------------------------------


class VerifyForm(forms.Form):
    evidence_status = forms.ChoiceField(
        label=_("Evidence"),
        choices=[
            (EvidenceStatus.VERIFIED, EvidenceStatus.VERIFIED.label),
            (EvidenceStatus.SUBMITTED, EvidenceStatus.SUBMITTED.label),
            (EvidenceStatus.REJECTED, EvidenceStatus.REJECTED.label),
        ],
    )
