"""Data the browser scenarios start from, made through the same services the pages call,
so a job set up here is exactly what the counter would have produced."""

import datetime
from decimal import Decimal

from django.utils import timezone

from billing.services import bill_close
from devices.services import device_intake, part_add, service_update
from devices.workflow import device_assign


def device_taken_in(
    *,
    by,
    whatsapp="98450 12345",
    name="Ramesh Kumar",
    location="Jayanagar",
    device_name="Laptop",
    brand="HP",
    model="Pavilion 15",
    issue="No power on",
    due_in_days=3,
):
    return device_intake(
        by=by,
        customer={"whatsapp_number": whatsapp, "name": name, "location": location, "email": ""},
        device={
            "device_name": device_name,
            "brand": brand,
            "model": model,
            "serial_number": "",
            "issue_description": issue,
            "accessories": "Charger",
            "condition": "",
            "password_note": "",
            "expected_delivery_date": timezone.localdate() + datetime.timedelta(days=due_in_days),
            "expected_budget": None,
        },
    )


def device_repaired(*, by, technician, manager, labour, parts=(), **intake):
    """A device taken in, assigned, its work and spare parts recorded, bill closed."""
    device = device_taken_in(by=by, **intake)
    device = device_assign(device=device, technician=technician, by=manager)
    service_update(
        device=device,
        by=technician,
        diagnosis="Power IC shorted",
        work_done="Replaced the power IC",
        labour_charge=Decimal(labour),
    )
    for name, quantity, unit_cost in parts:
        part_add(
            device=device, by=technician, name=name, quantity=quantity, unit_cost=Decimal(unit_cost)
        )
    bill = bill_close(device=device, by=technician)
    device.refresh_from_db()
    return device, bill
