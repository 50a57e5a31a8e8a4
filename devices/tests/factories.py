import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from customers.tests.factories import CustomerFactory
from devices.models import Device, DeviceStatus, Service, SparePart


class DeviceFactory(factory.django.DjangoModelFactory):
    """A device as intake leaves it (received). Use the workflow to move it on, or pass
    ``status``/``assigned_to`` for fixtures that need a given state directly."""

    class Meta:
        model = Device

    job_number = factory.Sequence(lambda n: f"J-{timezone.localdate().year}-{n + 1:05d}")
    customer = factory.SubFactory(CustomerFactory)
    device_name = "Laptop"
    brand = "HP"
    model = factory.Sequence(lambda n: f"Pavilion {n}")
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    issue_description = "No power on"
    accessories = "Charger"
    expected_delivery_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=3)
    )
    status = DeviceStatus.RECEIVED
    added_by = factory.SubFactory(UserFactory)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    device = factory.SubFactory(DeviceFactory)


class SparePartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SparePart

    service = factory.SubFactory(ServiceFactory)
    name = "Power IC"
    quantity = 1
    unit_cost = "500.00"
