"""Real concurrent transactions on PostgreSQL: bill numbers and payments under load.

SQLite serialises writers, so these only mean something (and only run) on PostgreSQL.
"""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from billing import services
from billing.models import Bill, Payment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency"
    ),
]

WORKERS = 20


def _run_together(jobs):
    """Start every job at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [], []

    def worker(job):
        try:
            barrier.wait()
            results.append(job())
        except Exception as exc:  # collected and asserted on by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_twenty_concurrent_closes_get_twenty_consecutive_numbers(make_device, technician):
    devices = [make_device(labour="100") for _ in range(WORKERS)]
    results, errors = _run_together(
        [lambda d=d: services.bill_close(device=d, by=technician).number for d in devices]
    )
    assert errors == []
    bills = Bill.objects.order_by("sequence")
    assert bills.count() == WORKERS
    assert [b.sequence for b in bills] == list(range(1, WORKERS + 1))
    assert sorted(results) == sorted(b.number for b in bills)
    assert len(set(results)) == WORKERS


def test_closing_the_same_device_twenty_times_at_once_makes_one_bill(make_device, technician):
    device = make_device(labour="100")
    results, errors = _run_together(
        [lambda: services.bill_close(device=device, by=technician) for _ in range(WORKERS)]
    )
    assert len(results) == 1
    assert len(errors) == WORKERS - 1
    assert all(isinstance(e, ValidationError) for e in errors)
    assert Bill.objects.count() == 1


def test_twenty_concurrent_payments_add_up_exactly_and_never_overpay(
    make_device, technician, front_desk
):
    device = make_device(labour="1000")
    services.bill_close(device=device, by=technician)
    results, errors = _run_together(
        [
            lambda: services.payment_record(device=device, amount="75", mode="cash", by=front_desk)
            for _ in range(WORKERS)
        ]
    )
    bill = Bill.objects.get(device=device)
    # 13 × ₹75 = ₹975 fits in ₹1,000; the other 7 are refused with a message.
    assert len(results) == 13
    assert len(errors) == WORKERS - 13
    assert all(isinstance(e, ValidationError) for e in errors)
    paid = sum((p.amount for p in Payment.objects.filter(bill=bill)), Decimal("0.00"))
    assert bill.amount_received == paid == Decimal("975.00")
    assert bill.balance == Decimal("25.00")


def test_twenty_concurrent_payments_all_fit_give_the_exact_total(
    make_device, technician, front_desk
):
    device = make_device(labour="2500")
    services.bill_close(device=device, by=technician)
    results, errors = _run_together(
        [
            lambda: services.payment_record(
                device=device, amount="100.05", mode="upi", by=front_desk
            )
            for _ in range(WORKERS)
        ]
    )
    assert errors == []
    bill = Bill.objects.get(device=device)
    assert bill.amount_received == Decimal("2001.00")
    assert bill.balance == Decimal("499.00")


def test_a_double_posted_form_at_the_same_instant_records_one_payment(
    make_device, technician, front_desk
):
    import uuid

    device = make_device(labour="2500")
    services.bill_close(device=device, by=technician)
    key = uuid.uuid4()
    results, errors = _run_together(
        [
            lambda: (
                services.payment_record(
                    device=device, amount="500", mode="cash", by=front_desk, idempotency_key=key
                ).pk
            )
            for _ in range(5)
        ]
    )
    assert errors == []
    assert len(set(results)) == 1
    assert Bill.objects.get(device=device).amount_received == Decimal("500.00")
