"""Trigram indexes for the searches on PostgreSQL (see ``telite.trigram``)."""

from django.db import migrations

from telite.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        trigram_indexes(
            ("customer_name_trgm_idx", "customers_customer", "UPPER(name) gin_trgm_ops"),
            ("customer_whatsapp_trgm_idx", "customers_customer", "whatsapp_number gin_trgm_ops"),
        )
    ]
