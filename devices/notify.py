"""Telling the customer on WhatsApp: the message for where their device is, opened in
WhatsApp (``wa.me``) with the text filled in for the clerk to check and send.

The shop sends it from its own WhatsApp, so TELITE cannot know it was sent; what it records
(a timeline entry: who opened which message, when, and its text) is that someone was about
to tell the customer, which is what the delivery list's "Told" shows.
"""

from urllib.parse import quote

from django.utils.text import Truncator

from telite.dates import format_day
from telite.money import format_money

from .models import Device, DeviceEvent, DeviceStatus

Message = DeviceEvent.Message
# Which message fits which states of the device.
FITS = {
    Message.JOB_DETAILS: (DeviceStatus.RECEIVED, DeviceStatus.ASSIGNED),
    Message.READY: (DeviceStatus.READY,),
}


def message_kinds(device: Device) -> list[Message]:
    """The messages that fit the device's state now."""
    return [kind for kind, states in FITS.items() if device.status in states]


def fits(device: Device, kind: str) -> bool:
    return kind in FITS and device.status in FITS[kind]


def customer_message(device: Device, kind: str) -> str:
    """The text for ``kind``, in the shop's name, with the device's job number, its dates
    and money as they stand. ``device.customer`` should be fetched with the device."""
    from billing.selectors import live_bill, shop_settings, unbilled_money

    shop = shop_settings()
    customer = device.customer
    what = f"{device.title} (job {device.job_number})"
    lines = [f"Hello {customer.name},"]
    if kind == Message.READY:
        lines.append(f"your {what} is ready for collection at {shop.shop_name}.")
        bill = live_bill(device)
        if bill is not None:
            total = format_money(bill.bill_value, shop.currency_symbol)
            if bill.balance > 0:
                due = format_money(bill.balance, shop.currency_symbol)
                lines.append(f"Bill {bill.number}: {total}, balance due {due}.")
            else:
                lines.append(f"Bill {bill.number}: {total}, paid in full.")
        lines.append("Please bring your intake slip when you come.")
    else:
        issue = Truncator(" ".join(device.issue_description.split())).chars(120)
        lines.append(f"{shop.shop_name} has your {what} for: {issue}")
        lines.append(f"We expect it ready by {format_day(device.expected_delivery_date)}.")
        advance = unbilled_money(device)
        if advance > 0:
            lines.append(f"Advance received: {format_money(advance, shop.currency_symbol)}.")
        lines.append("Please quote the job number when you contact us.")
    if shop.phone:
        lines.append(f"{shop.shop_name}, {shop.phone}")
    else:
        lines.append(f"Thank you, {shop.shop_name}")
    return "\n".join(lines)


def whatsapp_url(device: Device, text: str) -> str:
    """``wa.me`` opens a chat with the customer's number and the text filled in."""
    return f"{device.customer.whatsapp_link}?text={quote(text)}"
