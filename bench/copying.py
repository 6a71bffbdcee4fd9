"""Bulk writes for the benchmark data: PostgreSQL's COPY for the biggest tables.

``copy_rows`` writes tuples straight into a model's table (psycopg 3's ``cursor.copy``), filling
every field the caller leaves out with its model default, so that a row written here reads like
one written by ``save()``. ``reserve_ids`` takes a block of primary keys from the table's
sequence, for rows that other rows must point to before they are written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models


def _default_for_copy(field: models.Field) -> object:
    value = field.get_default()
    return json.dumps(value) if isinstance(field, models.JSONField) else value


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` (tuples in the order of ``columns``, field names) into the model's table.

    A field not in ``columns`` gets its default: a callable default is called for each row when
    the field is unique (a feed token, a UUID key), once otherwise (``timezone.now``); a
    nullable field without a default is left NULL, a text field empty; an automatic key is left
    to its sequence.
    JSON fields take Python values (None for NULL). Returns the number of rows written.
    """
    meta = model._meta
    given = [meta.get_field(name) for name in columns]
    named = {field.name for field in given}
    constant: list[models.Field] = []
    per_row: list[models.Field] = []
    for field in meta.concrete_fields:
        if field.name in named or isinstance(field, models.AutoField):
            continue
        if not field.has_default():
            if field.null:
                continue
            if not field.empty_strings_allowed:  # else its default is ""
                raise ValueError(f"{model.__name__}.{field.name} needs a value")
        if callable(field.default) and (field.unique or field.primary_key):
            per_row.append(field)
        else:
            constant.append(field)
    constants = tuple(_default_for_copy(field) for field in constant)
    json_columns = [
        index for index, field in enumerate(given) if isinstance(field, models.JSONField)
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in (*given, *constant, *per_row))
    written = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                if json_columns:
                    row = list(row)
                    for index in json_columns:
                        # None is SQL NULL, as the model saves it, not JSON null.
                        if row[index] is not None:
                            row[index] = json.dumps(row[index])
                copy.write_row((*row, *constants, *(_default_for_copy(field) for field in per_row)))
                written += 1
    return written


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys taken from the model's sequence now, so that no other writer
    (another process included) gets them."""
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]
