"""Rows of the delivery and closed-history lists, worked out once in Python
(``devices.rows`` says why)."""

from devices.notify import message_kinds
from devices.rows import device_cells
from telite.dates import format_day
from telite.money import format_money
from telite.urls_util import route_url

from .common import days_since


def bill_cells(device, bill) -> dict:
    """The bill's columns: number and links, total, received and balance as money."""
    if bill is None:
        return {"bill": None}
    return {
        "bill": bill,
        "bill_number": bill.number,
        "bill_url": route_url("billing:print_bill", device.pk),
        "pdf_url": route_url("billing:bill_pdf", device.pk),
        "total": format_money(bill.bill_value),
        "received_money": format_money(bill.amount_received),
        "balance": format_money(bill.balance),
        "balance_due": bill.balance > 0,
    }


def closed_row(device, bill) -> dict:
    return {
        **device_cells(device),
        **bill_cells(device, bill),
        "closed": format_day(device.closed_at),
    }


def delivery_row(device, bill) -> dict:
    return {
        **device_cells(device),
        **bill_cells(device, bill),
        "days_waiting": days_since(device.ready_at),
        # The customer sent "ready for collection" (devices.notify), with when.
        "told": format_day(told_at) if (told_at := getattr(device, "told_at", None)) else "",
        "tell_kinds": message_kinds(device),
        "pay_url": route_url("billing:take_payment", device.pk),
        "deliver_url": route_url("billing:deliver", device.pk),
    }
