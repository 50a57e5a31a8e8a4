import pytest
from django.core.management import CommandError, call_command

from billing.models import Bill
from crm.models import Lead
from devices.models import Device

pytestmark = pytest.mark.django_db


def test_demo_shop_has_devices_in_every_state_with_consistent_money():
    call_command("demo_data", verbosity=0)
    states = set(Device.objects.values_list("status", flat=True))
    assert states == set(Device.Status.values)
    overdue = [d for d in Device.objects.all() if d.is_overdue]
    assert len(overdue) == 1
    example = Bill.objects.get(device__customer__name="John Doe", device__model="Pavilion 15")
    assert (example.bill_value, example.balance) == (2500, 0)
    assert Lead.objects.filter(customer__isnull=False).count() == 1


def test_demo_refuses_a_database_that_already_has_devices():
    call_command("demo_data", verbosity=0)
    with pytest.raises(CommandError, match="already has devices"):
        call_command("demo_data", verbosity=0)
