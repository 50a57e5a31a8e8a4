"""Trigram indexes for the searches: PostgreSQL only; SQLite keeps scanning, which is fine
at its sizes.

Django's ``icontains`` on PostgreSQL is ``UPPER(col::text) LIKE UPPER('%term%')``, so an
index that serves it is on ``UPPER(col)`` with ``gin_trgm_ops``: a plain trigram index on
the column is not used. pg_trgm is a trusted extension: the database owner may create it.
"""

from django.db import migrations
from django.db.models import Q


def trigram_indexes(*indexes: tuple[str, str, str]) -> migrations.RunPython:
    """A migration operation creating (and on reverse dropping) GIN trigram indexes, each
    given as ``(name, table, expression)``, e.g.
    ``("customer_name_trgm_idx", "customers_customer", "UPPER(name) gin_trgm_ops")``."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, expression in indexes:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})"
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, _table, _expression in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)


def all_words_q(field: str, value: str) -> Q:
    """``field`` contains ``value``; for several words, each of them, in any order and any
    part of the text: "Venkat Lakshmi" finds "Venkataramanaiah Lakshminarasimha". Each
    word is one ``icontains``, which the trigram index above serves (PostgreSQL combines
    the bitmaps)."""
    words = value.split()
    if len(words) < 2:
        return Q(**{f"{field}__icontains": value})
    found = Q()
    for word in words:
        found &= Q(**{f"{field}__icontains": word})
    return found
