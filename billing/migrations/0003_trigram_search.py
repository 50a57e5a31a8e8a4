"""Trigram indexes for the searches on PostgreSQL (see ``telite.trigram``)."""

from django.db import migrations

from telite.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_bill_changes_refunds_and_checks")]

    operations = [
        trigram_indexes(
            ("bill_number_trgm_idx", "billing_bill", "UPPER(number) gin_trgm_ops"),
        )
    ]
