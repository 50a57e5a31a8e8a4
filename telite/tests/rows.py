"""Row counts of every table, to show that a refused request wrote nothing at all."""

from django.db import connection


def table_row_counts() -> dict[str, int]:
    """``{table: rows}`` for every table of the database, in one query."""
    tables = sorted(connection.introspection.table_names())
    qn = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {qn(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Tables whose row count changed, with the difference."""
    return {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}
