"""Billing pages. Routes: ``/close_device``, ``/delivery_ready``, ``/closed_devices``,
``/print_bill/<device id>`` (and ``/pdf``), ``/payments/``, the device actions and the
shop's logo (``/shop/logo``)."""

from .actions import close_device, deliver, reopen, return_device, take_payment
from .bills import bill_pdf, correct_bill, print_bill, reverse_payment, shop_logo
from .lists import closed_devices, delivery_ready, payment_list

__all__ = [
    "bill_pdf",
    "close_device",
    "closed_devices",
    "correct_bill",
    "deliver",
    "delivery_ready",
    "payment_list",
    "print_bill",
    "reopen",
    "return_device",
    "reverse_payment",
    "shop_logo",
    "take_payment",
]
