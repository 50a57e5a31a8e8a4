"""Trigram indexes for the searches on PostgreSQL (see ``telite.trigram``)."""

from django.db import migrations

from telite.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("devices", "0003_list_and_dashboard_indexes")]

    operations = [
        trigram_indexes(
            ("device_job_trgm_idx", "devices_device", "UPPER(job_number) gin_trgm_ops"),
            ("device_serial_trgm_idx", "devices_device", "UPPER(serial_number) gin_trgm_ops"),
        )
    ]
