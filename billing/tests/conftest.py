"""Billing fixtures: devices in repair with a service, and the original system's example."""

from decimal import Decimal

import pytest

from billing import services
from customers.tests.factories import CustomerFactory
from devices.models import DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory, SparePartFactory
from telite.money import forget_shop_currency_symbol


@pytest.fixture(autouse=True)
def _fresh_currency_symbol():
    # The symbol is cached per request/thread; a test must not see another test's shop.
    forget_shop_currency_symbol()
    yield
    forget_shop_currency_symbol()


@pytest.fixture
def make_device(technician):
    """A device in repair (assigned) with a service: ``labour`` and ``parts`` as
    ``[(name, qty, unit_cost)]``."""

    def make(labour="0.00", parts=(), **kwargs):
        kwargs.setdefault("status", DeviceStatus.ASSIGNED)
        if kwargs["status"] != DeviceStatus.RECEIVED:
            kwargs.setdefault("assigned_to", technician)
        device = DeviceFactory(**kwargs)
        service = ServiceFactory(device=device, labour_charge=Decimal(labour))
        for name, qty, cost in parts:
            SparePartFactory(service=service, name=name, quantity=qty, unit_cost=Decimal(cost))
        return device

    return make


@pytest.fixture
def john_doe(make_device, front_desk, technician):
    """The original system's example: John Doe's HP Laptop, "No Power On"; labour ₹1,000
    and a ₹1,500 power IC; ₹2,000 paid in advance. Closed: bill ₹2,500, received ₹2,000,
    balance ₹500."""
    customer = CustomerFactory(name="John Doe", whatsapp_number="98450 12345", location="Jayanagar")
    device = make_device(
        labour="1000.00",
        parts=[("Power IC", 1, "1500.00")],
        customer=customer,
        brand="HP",
        device_name="Laptop",
        model="Pavilion 15",
        serial_number="5CD1234XYZ",
        issue_description="No Power On",
    )
    services.payment_record(
        device=device, amount="2000", mode="upi", by=front_desk, reference="UPI-778812"
    )
    bill = services.bill_close(device=device, by=technician)
    device.refresh_from_db()
    return device, bill
