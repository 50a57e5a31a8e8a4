"""Trigram indexes for the searches (PostgreSQL only; SQLite keeps scanning, which is fine
at its sizes).

Django's icontains on PostgreSQL is `UPPER(col::text) LIKE UPPER('%term%')`, so the
indexes are on UPPER(col) with gin_trgm_ops: a plain trigram index on the column is not
used by it. pg_trgm is a trusted extension: the database owner may create it.
"""

from django.db import migrations

INDEXES = [
    ("bill_number_trgm_idx", "billing_bill", "UPPER(number) gin_trgm_ops"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_bill_changes_refunds_and_checks")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
