"""The services called as the pages call them: outside any test transaction, so that a
service that is not itself atomic fails here as it would on the server."""

from decimal import Decimal

import pytest

from billing import services
from billing.models import Bill, BillStatus, Refund
from devices.models import DeviceStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_reopen_voids_the_bill_in_the_same_transaction(make_device, technician, manager):
    device = make_device(labour="900")
    bill = services.bill_close(device=device, by=technician)
    services.reopen_device(device=device, by=manager, reason="Fan still noisy")
    device.refresh_from_db()
    bill.refresh_from_db()
    assert (device.status, bill.status) == (DeviceStatus.ASSIGNED, BillStatus.VOID)
    again = services.bill_close(device=device, by=technician)
    assert again.pk != bill.pk and not again.is_void


def test_a_payment_reversal_and_the_close_work_outside_a_test_transaction(
    make_device, technician, front_desk, manager
):
    device = make_device(labour="900")
    advance = services.payment_record(device=device, amount="500", mode="upi", by=front_desk)
    services.payment_reverse(payment=advance, by=manager, reason="Entered twice")
    bill = services.bill_close(device=device, by=technician, expected_total="900")
    assert Refund.objects.filter(reverses=advance).count() == 1
    assert (bill.amount_received, Bill.objects.get(pk=bill.pk).balance) == (
        Decimal("0.00"),
        Decimal("900.00"),
    )
