"""The searches' trigram indexes exist on PostgreSQL, on the expression icontains uses."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL only"
    ),
]

# index -> (table, what Django's icontains compares: UPPER(col::text), or the digits as is)
SEARCH_INDEXES = {
    "customer_name_trgm_idx": ("customers_customer", "upper((name)::text)"),
    "customer_whatsapp_trgm_idx": ("customers_customer", "whatsapp_number"),
    "device_job_trgm_idx": ("devices_device", "upper((job_number)::text)"),
    "device_serial_trgm_idx": ("devices_device", "upper((serial_number)::text)"),
    "device_brand_trgm_idx": ("devices_device", "upper((brand)::text)"),
    "device_model_trgm_idx": ("devices_device", "upper((model)::text)"),
    "bill_number_trgm_idx": ("billing_bill", "upper((number)::text)"),
}


def test_each_search_column_has_a_trigram_index_on_what_icontains_compares():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [list(SEARCH_INDEXES)],
        )
        found = {name: (table, definition) for name, table, definition in cursor.fetchall()}
    assert set(found) == set(SEARCH_INDEXES)
    for name, (table, expression) in SEARCH_INDEXES.items():
        assert found[name][0] == table
        assert f"gin ({expression} gin_trgm_ops)" in found[name][1]
