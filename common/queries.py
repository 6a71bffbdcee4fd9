"""Query shapes PostgreSQL reads through an index, for the visibility filters of the selectors."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Func, Q, QuerySet


class _EqualsAny(Func):
    """``column = ANY(ARRAY(subquery))``: Django puts an expression on the right of ``=`` in
    parentheses, which ``ANY`` does not accept, so the comparison is written here."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column, array = self.source_expressions
        column_sql, column_params = compiler.compile(column)
        array_sql, array_params = compiler.compile(array)
        return f"{column_sql} = ANY({array_sql})", (*column_params, *array_params)


def column_in(column: str, values: QuerySet) -> Q:
    """Rows whose ``column`` (of the queried table itself, not across a join) is one of the
    single-column ``values``.

    Unlike ``column__in=values``, the subquery is computed once ahead of the scan (an InitPlan)
    and the comparison is against its array, which an index answers: so two of these ORed
    together are read through two indexes (a BitmapOr). ``__in`` with a subquery inside an OR
    stays a filter PostgreSQL tests on every row of the table.
    """
    return Q(_EqualsAny(F(column), ArraySubquery(values.order_by())))
