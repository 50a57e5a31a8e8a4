"""Amounts with paise settle exactly on both databases (SQLite keeps decimals as floating
point: ₹500.10 + ₹100.20 summed there is not ₹600.30), and every change of a bill's money
is in its history, who and what."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import Bill, BillStatus, Payment
from devices.models import DeviceStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "labour, advance, balance",
    [("600.30", "500.10", "100.20"), ("1000.60", "500.10", "500.50"), ("0.30", "0.10", "0.20")],
)
def test_the_payment_that_settles_a_bill_with_paise_is_taken_and_the_bill_is_paid(
    make_device, technician, front_desk, client_for, labour, advance, balance
):
    device = make_device(labour=labour)
    services.payment_record(device=device, amount=advance, mode="upi", by=front_desk)
    services.bill_close(device=device, by=technician)

    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        {"amount": balance, "mode": "cash", "idempotency_key": str(uuid.uuid4())},
    )

    assert response.status_code == 302
    bill = Bill.objects.get(device=device)
    assert (bill.amount_received, bill.balance) == (Decimal(labour), Decimal("0.00"))
    assert bill.status == BillStatus.PAID
    # The lists ask the database: the bill is paid there too.
    html = client_for(front_desk).get("/delivery_ready", {"balance": "due"}).content.decode()
    assert device.job_number not in html
    html = client_for(front_desk).get("/delivery_ready", {"balance": "paid"}).content.decode()
    assert device.job_number in html


def test_small_payments_that_add_up_to_the_bill_leave_nothing_due_in_the_lists(
    make_device, technician, front_desk, client_for
):
    device = make_device(labour="100.20")
    services.bill_close(device=device, by=technician)
    for amount in ("100.10", "0.10"):
        services.payment_record(device=device, amount=amount, mode="cash", by=front_desk)

    bill = Bill.objects.get(device=device)
    assert (bill.balance, bill.status) == (Decimal("0.00"), BillStatus.PAID)
    html = client_for(front_desk).get("/closed_devices", {"balance": "due"}).content.decode()
    assert device.job_number not in html


def test_a_round_discount_on_a_bill_with_paise_closes_it(make_device, technician, client_for):
    device = make_device(labour="600.30")

    response = client_for(technician).post(
        reverse("billing:close_device"),
        {"device": device.pk, "discount": "100", "expected_total": "600.30"},
    )

    assert response.status_code == 302
    assert Bill.objects.get(device=device).bill_value == Decimal("500.30")
    device.refresh_from_db()
    assert device.status == DeviceStatus.READY


def test_a_manager_gives_a_round_discount_on_a_bill_with_paise(
    make_device, technician, manager, client_for
):
    device = make_device(labour="600.30")
    bill = services.bill_close(device=device, by=technician)

    response = client_for(manager).post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {"version": bill.version, "discount": "100", "notes": "", "reason": "Goodwill"},
    )

    assert response.status_code == 302
    bill.refresh_from_db()
    assert bill.bill_value == Decimal("500.30")


def test_the_bills_history_follows_its_payments_and_their_reversal(
    make_device, technician, front_desk, manager
):
    device = make_device(labour="1000")
    bill = services.bill_close(device=device, by=technician)

    payment = services.payment_record(device=device, amount="1000", mode="cash", by=front_desk)
    bill.refresh_from_db()
    paid = bill.history.latest()
    assert (paid.amount_received, paid.status) == (Decimal("1000.00"), BillStatus.PAID)
    assert paid.version == bill.version

    services.payment_reverse(payment=payment, by=manager, reason="Was UPI")
    reversed_ = bill.history.latest()
    assert (reversed_.amount_received, reversed_.status) == (Decimal("0.00"), BillStatus.OPEN)
    assert bill.history.count() == 3  # issued, paid, reversed


def test_advances_put_on_a_bill_and_taken_off_a_voided_one_are_in_their_history(
    make_device, technician, front_desk, manager
):
    device = make_device(labour="800")
    advance = services.payment_record(device=device, amount="300", mode="upi", by=front_desk)
    bill = services.bill_close(device=device, by=technician)

    filed = advance.history.latest()
    assert (filed.bill_id, filed.history_user) == (bill.pk, technician)

    services.reopen_device(device=device, by=manager, reason="Fan noise came back")

    unfiled = Payment.objects.get(pk=advance.pk).history.latest()
    assert (unfiled.bill_id, unfiled.history_user) == (None, manager)
