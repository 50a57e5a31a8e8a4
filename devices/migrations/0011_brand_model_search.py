"""Trigram indexes for the device search by brand and model on PostgreSQL (see
``telite.trigram``)."""

from django.db import migrations

from telite.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("devices", "0010_part_changed_event")]

    operations = [
        trigram_indexes(
            ("device_brand_trgm_idx", "devices_device", "UPPER(brand) gin_trgm_ops"),
            ("device_model_trgm_idx", "devices_device", "UPPER(model) gin_trgm_ops"),
        )
    ]
