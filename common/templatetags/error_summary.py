"""The items of a page's summary of refused answers (``_error_summary.html``), gathered from
one form or from several forms and formsets of one page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.forms.formsets import BaseFormSet

register = template.Library()

# (id of the element to go to, or "" when there is no field to go to; the message)
SummaryItem = tuple[str, str]


def _form_items(form: forms.BaseForm, row: int | None = None) -> list[SummaryItem]:
    items: list[SummaryItem] = [("", str(error)) for error in form.non_field_errors()]
    for field in form:
        if not field.errors:
            continue
        label = str(field.label or field.name)
        if row is not None:  # which row of a table, the label being the same in each
            label = f"{label} ({row})"
        # A radio list has no single element to label: its error message has an id instead.
        target = "" if field.is_hidden else (field.id_for_label or f"{field.auto_id}_error")
        items.extend((target, f"{label}: {error}") for error in field.errors)
    return items


def _formset_items(formset: BaseFormSet) -> list[SummaryItem]:
    items: list[SummaryItem] = [("", str(error)) for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        items.extend(_form_items(form, row=number))
    return items


@register.simple_tag
def error_summary_items(*groups: Any) -> list[SummaryItem]:
    """Every refused answer of the given forms and formsets, in page order: a form's own
    errors, then each field's; a formset's own errors, then each row's. A group may be a form,
    a formset, a list of them, or empty (a page showing no such form)."""
    items: list[SummaryItem] = []
    for group in groups:
        if not group:
            continue
        if isinstance(group, BaseFormSet):
            items.extend(_formset_items(group))
        elif isinstance(group, forms.BaseForm):
            items.extend(_form_items(group))
        elif isinstance(group, Iterable) and not isinstance(group, str):
            items.extend(error_summary_items(*group))
    return items
