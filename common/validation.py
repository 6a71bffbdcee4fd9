"""Model validation shared by every app: constraint errors on their fields, validated saves."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, router, transaction
from django.utils.translation import gettext_lazy as _

ModelT = TypeVar("ModelT", bound=models.Model)

# The years a project's bookings, closures, budgets and payments can carry. A year beyond them is
# a typo, and date arithmetic on it (a day later, a week's Monday) leaves Python's range.
PLAUSIBLE_YEARS = range(2000, 2101)
# No amount of a housing project comes near this (a hundred billion units of any currency); a
# larger one is a typo, and sums of such amounts would leave PostgreSQL's 64-bit integers.
MAX_AMOUNT_CENTS = 10**13


def validate_plausible_date(value: dt.date) -> None:
    """Refuses a date or date-time outside ``PLAUSIBLE_YEARS`` (year 1, year 9999 …)."""
    if value.year not in PLAUSIBLE_YEARS:
        raise ValidationError(
            _("Give a date between the years %(first)s and %(last)s."),
            code="implausible_date",
            params={"first": PLAUSIBLE_YEARS[0], "last": PLAUSIBLE_YEARS[-1]},
        )


# Characters that reorder the text around them (U+202E turns "fdp.exe" into "exe.pdf"): a name
# holding one can impersonate another in every list, e-mail and export it appears in.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def validate_no_bidi_controls(value: str) -> None:
    """Refuses a name with an invisible character that changes the direction of text."""
    if BIDI_CONTROLS.intersection(value):
        raise ValidationError(
            _("Remove the invisible characters that change the direction of the text."),
            code="bidi_control",
        )


def validate_amount_cents(value: int) -> None:
    """Refuses an amount no project could mean (see ``MAX_AMOUNT_CENTS``)."""
    if abs(value) > MAX_AMOUNT_CENTS:
        raise ValidationError(_("This amount is too large."), code="amount_too_large")


class Conflict(Exception):
    """A valid request that collides with the current state (slot taken, already accepted).

    The API answers 409; pages show the message.
    """

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ConstraintErrorsOnFields:
    """Reports a database constraint's violation on the field it is about.

    Django puts the violation of a check or multi-column unique constraint under ``__all__``;
    forms and the API must tell the user which field is wrong, so each model names the field of
    each constraint in ``constraint_fields`` (constraint name → field name).
    """

    constraint_fields: ClassVar[dict[str, str]] = {}

    def validate_constraints(self, exclude: set[str] | None = None) -> None:
        errors: dict[str, list[ValidationError]] = {}
        using = router.db_for_write(self.__class__, instance=self)
        for model_class, constraints in self.get_constraints():  # type: ignore[attr-defined]
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    field = self.constraint_fields.get(constraint.name)
                    fields = getattr(constraint, "fields", ())
                    if field is None and exc.code == "unique" and len(fields) == 1:
                        field = fields[0]
                    errors.setdefault(field or NON_FIELD_ERRORS, []).extend(exc.error_list)
        if errors:
            raise ValidationError(errors)


def save_validated(instance: ModelT, *, exclude: list[str] | None = None) -> ModelT:
    """Validate every field and constraint, then save in a savepoint.

    A concurrent write can still pass validation and lose at the database; that surfaces as a
    ``ValidationError`` too, never as a server error.
    """
    instance.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("This change conflicts with another one made at the same time; please retry.")
        ) from exc
    return instance


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the database constraint an ``IntegrityError`` broke (PostgreSQL says it;
    another database may not, and then this is None)."""
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def constraint_error(model: type[models.Model], exc: IntegrityError) -> ValidationError | None:
    """The violation of one of the model's declared constraints as a ``ValidationError`` on
    its field (``constraint_fields``) with the constraint's own message, as ``full_clean``
    would have said it; None when the error is not one of them.

    For a service that lets the database check its constraints on the insert instead of
    checking each one beforehand in a query of its own."""
    name = violated_constraint(exc)
    constraint = next((c for c in model._meta.constraints if c.name == name), None)
    if constraint is None:
        return None
    field = getattr(model, "constraint_fields", {}).get(name, NON_FIELD_ERRORS)
    message = constraint.get_violation_error_message()
    return ValidationError({field: ValidationError(message, code=constraint.violation_error_code)})


def field_error(field: str, message: str, code: str | None = None) -> ValidationError:
    """A ValidationError on one field that keeps its code (a dict of messages would drop it)."""
    return ValidationError({field: ValidationError(message, code=code)})
