"""The parameters of the contribution methods: which each method takes, their defaults, and
their validation (``validate_parameters`` normalises them or names the parameter at fault).

Pure (DESIGN.md §4): no ORM, no clock, no I/O. Rates are decimal strings of percent kept exact,
amounts integer cents. The methods themselves, and the sources of their figures, are
``community.money.contribution_methods``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "HUD_DEFAULTS",
    "METHOD_LABELS",
    "Method",
    "coded_error",
    "default_parameters",
    "is_int",
    "scheme_parameter_errors",
    "scheme_parameters_normalised",
    "validate_parameters",
]


class Method(StrEnum):
    FLAT = "flat"
    INCOME_SHARE = "income_share"
    INCOME_BANDS = "income_bands"
    GREATEST_OF = "greatest_of"
    SOLIDARITY = "solidarity"


METHOD_LABELS = {
    Method.FLAT: _("Flat (equal or by unit size)"),
    Method.INCOME_SHARE: _("Share of income, with a floor and a cap"),
    Method.INCOME_BANDS: _("Income bands"),
    Method.GREATEST_OF: _("Greatest of (HUD Total Tenant Payment)"),
    Method.SOLIDARITY: _("Cost-covering solidarity"),
}

# 24 CFR 5.628 (30 % of adjusted, 10 % of gross income), 5.630 (minimum rent up to $50) and
# 5.611 as amended by HOTMA (480 $ per dependant, 525 $ per elderly or disabled family, medical
# and care costs above 10 % of annual income, for elderly or disabled families only).
HUD_DEFAULTS: dict[str, Any] = {
    "income": "gross",
    "adjusted_rate_percent": "30",
    "gross_rate_percent": "10",
    "minimum_cents": 5000,
    "dependant_allowance_cents": 48000,
    "elderly_allowance_cents": 52500,
    "medical_threshold_percent": "10",
    "medical_deduction": "elderly_or_disabled",
    "deduct_childcare": True,
    "hardship_exemption": False,
}


_MISSING = object()


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def coded_error(message, code: str, **params: object) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _parse_cents(value: object) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not is_int(value):
        raise coded_error(_("Enter a whole number of cents."), "invalid")
    if value < 0:
        raise coded_error(_("An amount cannot be negative."), "negative")
    return value


def _parse_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise coded_error(_("Enter a number, for example 30 or 12.5."), "invalid")
    try:
        # A float is read through its shortest representation: 12.5 from JSON stays 12.5.
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise coded_error(_("Enter a number, for example 30 or 12.5."), "invalid") from None
    if not number.is_finite():
        raise coded_error(_("Enter a number, for example 30 or 12.5."), "invalid")
    return number


def _canonical(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _parse_rate(value: object) -> str:
    number = _parse_decimal(value)
    if number < 0 or number > 100:
        raise coded_error(_("A rate must lie between 0 and 100 %."), "rate_range")
    return _canonical(number)


def _parse_multiplier(value: object) -> str:
    number = _parse_decimal(value)
    if number <= 0 or number > 1000:
        raise coded_error(_("Give a percentage above 0 and at most 1000 %."), "percent_range")
    return _canonical(number)


def _parse_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise coded_error(_("Enter true or false."), "invalid")
    return value


def _choice(*choices: str | None):
    # A module-level check bound to its choices, not a closure: the fields are built once, at
    # import, and the check's own code then runs (and is tested) on every call.
    return partial(_one_of, choices)


def _one_of(choices: tuple[str | None, ...], value: object):
    if value not in choices:
        raise coded_error(
            _("Choose one of: %(choices)s."),
            "invalid_choice",
            choices=", ".join("null" if c is None else c for c in choices),
        )
    return value


def _optional(parse):
    def parse_optional(value: object):
        return None if value is None else parse(value)

    return parse_optional


@dataclass(frozen=True)
class _Field:
    parse: Any
    default: object = _MISSING  # _MISSING: the key is required


_BAND_KEYS = {"from_cents", "to_cents", "amount_cents", "rate_percent"}


def _band_value(parse, value: object, number: int):
    try:
        return parse(value)
    except ValidationError as exc:
        # The field messages carry no parameters of their own, so the lazy message can be
        # nested as one and is translated when shown.
        raise coded_error(
            _("Band %(number)s: %(reason)s"),
            exc.code or "invalid",
            number=number,
            reason=exc.message,
        ) from None


def _parse_band(raw: object, number: int) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise coded_error(_("Band %(number)s is not a band."), "invalid", number=number)
    unknown = sorted(map(str, set(raw) - _BAND_KEYS))
    if unknown:
        raise coded_error(
            _("Band %(number)s: unknown key %(key)s."),
            "unknown",
            number=number,
            key=", ".join(unknown),
        )
    if raw.get("from_cents") is None:
        raise coded_error(
            _("Band %(number)s needs a start (from_cents)."), "required", number=number
        )
    band: dict[str, Any] = {
        "from_cents": _band_value(_parse_cents, raw["from_cents"], number),
        "to_cents": _band_value(_optional(_parse_cents), raw.get("to_cents"), number),
    }
    has_amount = raw.get("amount_cents") is not None
    if has_amount == (raw.get("rate_percent") is not None):
        raise coded_error(
            _("Give band %(number)s either an amount or a rate."),
            "band_amount_or_rate",
            number=number,
        )
    if has_amount:
        band["amount_cents"] = _band_value(_parse_cents, raw["amount_cents"], number)
    else:
        band["rate_percent"] = _band_value(_parse_rate, raw["rate_percent"], number)
    if band["to_cents"] is not None and band["to_cents"] <= band["from_cents"]:
        raise coded_error(
            _("Band %(number)s must end above where it starts."), "band_empty", number=number
        )
    return band


def _parse_bands(value: object) -> list[dict[str, Any]]:
    """Bands sorted by their start, starting at 0, contiguous (each starts where the previous
    ends: no gap, no overlap), the last one open-ended, each with an amount or a rate."""
    if not isinstance(value, list | tuple) or not value:
        raise coded_error(_("Give at least one income band."), "required")
    problems: list[ValidationError] = []
    bands: list[tuple[int, dict[str, Any]]] = []
    for number, raw in enumerate(value, start=1):
        try:
            bands.append((number, _parse_band(raw, number)))
        except ValidationError as exc:
            problems.append(exc)
    if problems:
        raise ValidationError(problems)
    bands.sort(key=lambda item: item[1]["from_cents"])
    if bands[0][1]["from_cents"] != 0:
        problems.append(coded_error(_("The first band must start at 0."), "bands_start"))
    for (number, band), (next_number, following) in zip(bands, bands[1:], strict=False):
        end = band["to_cents"]
        if end is None or following["from_cents"] < end:
            problems.append(
                coded_error(
                    _("Bands %(first)s and %(second)s overlap."),
                    "bands_overlap",
                    first=number,
                    second=next_number,
                )
            )
        elif following["from_cents"] > end:
            problems.append(
                coded_error(
                    _("Bands %(first)s and %(second)s leave a gap: no band covers it."),
                    "bands_gap",
                    first=number,
                    second=next_number,
                )
            )
    if bands[-1][1]["to_cents"] is not None:
        problems.append(
            coded_error(_("The last band must be open-ended (no upper limit)."), "bands_open_end")
        )
    if problems:
        raise ValidationError(problems)
    return [band for _number, band in bands]


_INCOME_COMMON = {
    "missing_income": _Field(_choice("cap", "floor"), "cap"),
    "cost_share_basis": _Field(_choice("equal", "unit_area"), "equal"),
    "cost_share_percent": _Field(_parse_multiplier, "100"),
}
_CAP = {
    "cap_cents": _Field(_optional(_parse_cents), None),
    "cap": _Field(_choice("cost_share", None), None),
}
_SPECS: dict[Method, dict[str, _Field]] = {
    Method.FLAT: {"basis": _Field(_choice("equal", "unit_area"))},
    Method.INCOME_SHARE: {
        "rate_percent": _Field(_parse_rate),
        "floor_cents": _Field(_parse_cents, 0),
        **_CAP,
        **_INCOME_COMMON,
    },
    Method.INCOME_BANDS: {
        "income": _Field(_choice("disposable", "equivalised")),
        "bands": _Field(_parse_bands),
        **_INCOME_COMMON,
    },
    Method.GREATEST_OF: {
        "income": _Field(_choice("gross", "disposable"), "gross"),
        "adjusted_rate_percent": _Field(_parse_rate),
        "gross_rate_percent": _Field(_parse_rate),
        "minimum_cents": _Field(_parse_cents),
        "dependant_allowance_cents": _Field(_parse_cents),
        "elderly_allowance_cents": _Field(_parse_cents),
        "medical_threshold_percent": _Field(_parse_rate, "10"),
        "medical_deduction": _Field(
            _choice("elderly_or_disabled", "all", "none"), "elderly_or_disabled"
        ),
        "deduct_childcare": _Field(_parse_bool, True),
        "hardship_exemption": _Field(_parse_bool, False),
        **_CAP,
        **_INCOME_COMMON,
    },
    Method.SOLIDARITY: {
        "income": _Field(_choice("disposable", "equivalised")),
        "floor_cents": _Field(_parse_cents, 0),
        **_CAP,
        **_INCOME_COMMON,
    },
}


def _method(method: object) -> Method:
    try:
        return Method(method)
    except ValueError:
        raise ValidationError(
            {
                "method": [
                    coded_error(
                        _("Choose one of: %(choices)s."),
                        "invalid_choice",
                        choices=", ".join(Method),
                    )
                ]
            }
        ) from None


def validate_parameters(method: str, parameters: Mapping) -> dict[str, Any]:
    """The normalised parameters of a scheme (every optional key filled in with its default,
    rates as canonical decimal strings of percent), or a ``ValidationError`` keyed by the
    parameter at fault: a negative amount, a rate outside 0–100 %, a floor above the cap, income
    bands that do not start at 0, overlap, leave a gap or do not end open, an unknown or a
    missing key."""
    method = _method(method)
    if not isinstance(parameters, Mapping):
        raise ValidationError(
            {"parameters": [coded_error(_("The parameters must be an object."), "invalid")]}
        )
    spec = _SPECS[method]
    errors: dict[str, list[ValidationError]] = {}
    for key in parameters:
        if key not in spec:
            errors[str(key)] = [coded_error(_("Unknown parameter."), "unknown")]
    normalised: dict[str, Any] = {}
    for key, rule in spec.items():
        value = parameters.get(key, _MISSING)
        if value is _MISSING:
            if rule.default is _MISSING:
                errors[key] = [coded_error(_("This parameter is required."), "required")]
            else:
                normalised[key] = rule.default
            continue
        try:
            normalised[key] = rule.parse(value)
        except ValidationError as exc:
            errors[key] = exc.error_list
    if not errors:
        _check_caps(normalised, errors)
    if errors:
        raise ValidationError(errors)
    return normalised


def _check_caps(normalised: dict[str, Any], errors: dict[str, list[ValidationError]]) -> None:
    if "cap" not in normalised:
        return
    if normalised["cap"] is not None and normalised["cap_cents"] is not None:
        errors["cap"] = [
            coded_error(
                _("Give either a cap in cents or the cost share as the cap, not both."),
                "cap_conflict",
            )
        ]
        return
    floor_key = "minimum_cents" if "minimum_cents" in normalised else "floor_cents"
    cap = normalised["cap_cents"]
    if cap is not None and normalised[floor_key] > cap:
        errors[floor_key] = [
            coded_error(_("The floor cannot be above the cap."), "floor_above_cap")
        ]


_DEFAULTS: dict[Method, dict[str, Any]] = {
    Method.FLAT: {"basis": "equal"},
    Method.INCOME_SHARE: {"rate_percent": "30", "floor_cents": 0, "cap": "cost_share"},
    Method.INCOME_BANDS: {
        "income": "equivalised",
        "bands": [
            {"from_cents": 0, "to_cents": 100000, "rate_percent": "20"},
            {"from_cents": 100000, "to_cents": 200000, "rate_percent": "25"},
            {"from_cents": 200000, "to_cents": None, "rate_percent": "30"},
        ],
        "missing_income": "cap",
    },
    Method.GREATEST_OF: dict(HUD_DEFAULTS),
    # A cap at the cost share itself would leave no room for solidarity (Σcap = B forces
    # everyone onto it): the default lets a household pay up to one and a half times its share.
    Method.SOLIDARITY: {
        "income": "equivalised",
        "floor_cents": 0,
        "cap": "cost_share",
        "cost_share_percent": "150",
    },
}


def default_parameters(method: str) -> dict[str, Any]:
    """Sensible starting parameters of a method, normalised; HUD's figures for greatest_of."""
    return validate_parameters(method, _DEFAULTS[_method(method)])


# --- a scheme's parameters ------------------------------------------------------------------------


def scheme_parameter_errors(exc: ValidationError) -> ValidationError:
    """The formula module names the parameter at fault; a scheme names it inside
    ``parameters``: ``parameters.rate_percent``. ``method`` stays a field of the scheme."""
    if not hasattr(exc, "error_dict"):
        return ValidationError({"parameters": exc.error_list})
    return ValidationError(
        {
            key if key in ("method", "parameters") else f"parameters.{key}": errors
            for key, errors in exc.error_dict.items()
        }
    )


def scheme_parameters_normalised(method: str, parameters: Mapping | None) -> dict:
    try:
        if parameters is None:
            return default_parameters(method)
        return validate_parameters(method, parameters)
    except ValidationError as exc:
        raise scheme_parameter_errors(exc) from exc
