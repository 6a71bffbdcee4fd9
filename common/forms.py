"""What the page forms of every app share: services run with a form's data, dates, money."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

T = TypeVar("T")


def submit(
    form: forms.Form,
    service: Callable[..., T],
    *,
    place: Callable[[str, list[ValidationError]], bool] | None = None,
    **arguments: Any,
) -> T | None:
    """Run a service with the form's data; its errors land on the form's fields.

    Returns the service's result, or ``None`` when the form or the service refused the input.
    ``place`` is as for :func:`run_service`.
    """
    if not form.is_valid():
        return None
    return run_service(form, service, place=place, **arguments)


def run_service(
    form: forms.Form,
    service: Callable[..., T],
    *,
    place: Callable[[str, list[ValidationError]], bool] | None = None,
    **arguments: Any,
) -> T | None:
    """Run a service on input judged elsewhere (several forms of one page, or parameters that
    were not typed at all); its errors land on ``form``.

    A field error goes on the form's field of that name or, given ``place``, where
    ``place(key, errors)`` puts it (another form of the page, a row of a table); an error that
    finds no field goes on the form's non-field errors. Returns the service's result, or
    ``None`` when the service refused the input.
    """
    try:
        return service(**arguments)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                if place is None:
                    form.add_error(field if field in form.fields else None, errors)
                elif not place(field, errors):
                    form.add_error(None, errors)
        else:
            form.add_error(None, exc)
        return None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MoneyField(forms.DecimalField):
    """An amount typed in the currency's units, handed to services in integer cents."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(max_digits=12, decimal_places=2, localize=True, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        # "1 234,56": the thousands spaces a French or Hungarian reader types are not an error.
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0\u202f]", "", value)
        return super().to_python(value)

    def clean(self, value: Any) -> int | None:
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)
