"""What a list's row prints about a device, worked out once in Python.

A 25-row list rendered every cell through the template engine: attribute lookups on model
instances (each one a failed dictionary lookup first), ``reverse()`` for every link, locale
formatting for every number and date. Rows of ready-made strings render several times
faster; the templates print them like any variable (escaped). The device itself stays in
the row (``row.device``) for what is rarely shown.
"""

from telite.dates import format_day
from telite.phone import format_phone
from telite.urls_util import route_url


def user_name(user) -> str:
    """A technician as lists show them (``User.__str__``: full name, else username)."""
    return "" if user is None else str(user)


def device_cells(device) -> dict:
    """The cells every device list shares: job, device, customer, technician, status.

    ``device`` comes with ``customer`` and ``assigned_to`` (``select_related``).
    """
    customer = device.customer
    return {
        "device": device,
        "pk": device.pk,
        "job_number": device.job_number,
        "url": route_url("devices:service", device.pk),
        "title": device.title,
        "serial": device.serial_number,
        "issue": device.issue_description,
        "status": device.status,
        "status_label": device.get_status_display(),
        "customer": customer.name,
        "customer_url": route_url("customers:customer_detail", device.customer_id),
        "phone": format_phone(customer.whatsapp_number),
        "whatsapp_link": customer.whatsapp_link,
        "technician": user_name(device.assigned_to),
        "technician_id": device.assigned_to_id,
        "received": format_day(device.received_at),
        "due": format_day(device.expected_delivery_date),
    }
