"""The device search looks customers up first (indexed on PostgreSQL) and falls back to
the join for very common terms; both give the same devices."""

import pytest

from customers.tests.factories import CustomerFactory
from devices import filters
from devices.models import Device
from devices.tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def devices():
    sharma = CustomerFactory(name="Rohit Sharma", whatsapp_number="+919845012345")
    other = CustomerFactory(name="Anita Rao", whatsapp_number="+919900011122")
    # Job numbers of their own: a factory sequence number such as J-2026-00011 would match
    # the "0011" search below, depending on which tests ran first in this process.
    return {
        "sharma_1": DeviceFactory(
            customer=sharma, serial_number="AAA111", job_number="J-2026-70001"
        ),
        "sharma_2": DeviceFactory(
            customer=sharma, serial_number="BBB222", job_number="J-2026-70002"
        ),
        "serial": DeviceFactory(
            customer=other, serial_number="XSHARMAX", job_number="J-2026-70003"
        ),
        "other": DeviceFactory(customer=other, serial_number="CCC333", job_number="J-2026-70004"),
    }


def _found(term):
    return set(filters.device_search(Device.objects.all(), term).values_list("pk", flat=True))


@pytest.mark.parametrize("limit", [filters.SEARCH_ID_LIMIT, 1])
def test_search_by_name_phone_serial_and_job_is_the_same_by_ids_or_by_join(
    devices, monkeypatch, limit
):
    monkeypatch.setattr(filters, "SEARCH_ID_LIMIT", limit)
    assert _found("sharma") == {devices[k].pk for k in ("sharma_1", "sharma_2", "serial")}
    assert _found("98450 12345") == {devices["sharma_1"].pk, devices["sharma_2"].pk}
    # Part of a number, typed after the trunk 0 ("+91 99000 11122" holds "1112").
    assert _found("01112") == {devices["serial"].pk, devices["other"].pk}
    assert _found(devices["other"].job_number) == {devices["other"].pk}
    assert _found("nobody-like-this") == set()


def test_a_term_no_customer_matches_still_finds_by_serial(devices):
    assert _found("ccc333") == {devices["other"].pk}
