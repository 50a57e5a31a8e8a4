"""Bills and payments: every write that moves money or issues a number."""

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from devices.models import Device, DeviceEvent
from devices.workflow import record_event
from telite.money import format_money, to_money

from .models import Bill, BillStatus, Payment


def _status_for(bill: Bill) -> str:
    if bill.amount_received <= 0:
        return BillStatus.OPEN
    if bill.amount_received < bill.bill_value:
        return BillStatus.PARTLY_PAID
    return BillStatus.PAID


@transaction.atomic
def payment_record(
    *,
    device: Device,
    amount,
    mode: str,
    by,
    reference: str = "",
    is_advance: bool = False,
    idempotency_key: uuid.UUID | str | None = None,
) -> Payment:
    """Take money for a device: an advance before the bill, or a payment on the bill.

    Rules: the amount is positive; on a billed device it may not take the balance below
    zero; the same idempotency key (one per rendered form) records one payment however
    often the form is posted. The bill row is locked, so concurrent payments add up exactly.
    """
    amount = to_money(amount)
    if amount <= Decimal("0.00"):
        raise ValidationError({"amount": "Enter an amount greater than zero."})
    if idempotency_key:
        existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    locked_device = Device.objects.select_for_update().get(pk=device.pk)
    bill = (
        Bill.objects.select_for_update()
        .filter(device=locked_device)
        .exclude(status=BillStatus.VOID)
        .first()
    )
    if bill is not None:
        balance = bill.bill_value - bill.amount_received
        if amount > balance:
            raise ValidationError(
                {
                    "amount": f"That is more than the balance due ({format_money(balance)}). "
                    "Enter at most the balance."
                }
            )
    elif locked_device.status in Device.TERMINAL:
        raise ValidationError(
            f"{locked_device.job_number} has been handed back; no payment is due."
        )
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                device=locked_device,
                bill=bill,
                amount=amount,
                mode=mode,
                reference=(reference or "").strip(),
                is_advance=is_advance or bill is None,
                received_by=by,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        # The same form, posted twice at the same instant: the first one won.
        if idempotency_key:
            return Payment.objects.get(idempotency_key=idempotency_key)
        raise
    if bill is not None:
        Bill.objects.filter(pk=bill.pk).update(
            amount_received=F("amount_received") + amount, version=F("version") + 1
        )
        bill.refresh_from_db()
        bill.status = _status_for(bill)
        bill.save(update_fields=["status", "updated_at"])
    record_event(
        locked_device,
        kind=DeviceEvent.Kind.PAYMENT,
        by=by,
        to_value=format_money(amount, symbol="₹"),
        note=f"{'Advance, ' if payment.is_advance else ''}{payment.get_mode_display()}"
        + (f", ref {payment.reference}" if payment.reference else ""),
    )
    return payment
