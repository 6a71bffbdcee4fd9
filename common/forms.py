"""What the page forms of every app share: services run with a form's data, dates, money."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

T = TypeVar("T")


def submit(form: forms.Form, service: Callable[..., T], **arguments: Any) -> T | None:
    """Run a service with the form's data; its errors land on the form's fields.

    Returns the service's result, or ``None`` when the form or the service refused the input.
    """
    if not form.is_valid():
        return None
    try:
        return service(**arguments)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
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
