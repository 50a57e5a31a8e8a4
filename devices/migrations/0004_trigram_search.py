"""Trigram indexes for the searches (PostgreSQL only; SQLite keeps scanning, which is fine
at its sizes).

Django's icontains on PostgreSQL is `UPPER(col::text) LIKE UPPER('%term%')`, so the
indexes are on UPPER(col) with gin_trgm_ops: a plain trigram index on the column is not
used by it. pg_trgm is a trusted extension: the database owner may create it.
"""

from django.db import migrations

INDEXES = [
    ("device_job_trgm_idx", "devices_device", "UPPER(job_number) gin_trgm_ops"),
    ("device_serial_trgm_idx", "devices_device", "UPPER(serial_number) gin_trgm_ops"),
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
    dependencies = [("devices", "0003_list_and_dashboard_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
