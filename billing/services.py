"""Bills and payments: every write that moves money, issues a number or changes a bill.

Rules kept here (SPEC §2–§5), for pages and the admin alike:

- A bill is issued when the repair is closed (``bill_close``) or when a device goes back
  unrepaired with an inspection charge (``return_unrepaired``). Its number
  ``TB/<financial year>/<5 digits>`` comes from a counter row locked in the same
  transaction: sequential, no gaps, no duplicates within an Indian financial year.
- Money taken before the bill (advances) is attached to the bill when it is issued. If the
  advances are more than the bill, the difference is refunded (a ``Refund`` row), only when
  the clerk says so at closing; a device returned unrepaired refunds it automatically.
- ``amount_received`` changes only under a lock on the device and the bill; the balance is
  never below zero (also a database constraint).
- An issued bill is never deleted. A manager corrects it (``bill_correct``, recorded with a
  reason, before and after) or a reopen voids it (``reopen_device``).
- Locks are always taken device first, then bill, so two services never deadlock.
"""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from devices.models import Device, DeviceEvent, Service
from devices.workflow import (
    device_deliver,
    device_mark_ready,
    device_reopen,
    device_return,
    record_event,
)
from telite.dates import format_day
from telite.money import MAX_AMOUNT, ZERO, format_money, to_money
from telite.permissions import is_manager

from .models import (
    Bill,
    BillChange,
    BillCounter,
    BillKind,
    BillLine,
    BillStatus,
    Payment,
    Refund,
    ShopSettings,
)
from .selectors import unbilled_money

CENT = Decimal("0.01")
BILL_PREFIX = "TB"


# --- numbering -------------------------------------------------------------------------


def financial_year(day: datetime.date) -> str:
    """The Indian financial year (April to March) of a date: 2027-03-31 -> "2026-27"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def allocate_bill_number(*, issued_at: datetime.datetime) -> tuple[str, str, int]:
    """Take the next bill number of the financial year of ``issued_at`` (shop time zone).

    Returns ``(number, financial_year, sequence)``. Must run inside the transaction that
    creates the bill: the counter row stays locked until it commits, and a rollback gives
    the number back, so numbers have no gaps.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_bill_number must run inside the bill's transaction")
    fy = financial_year(timezone.localtime(issued_at).date())
    counter, _ = BillCounter.objects.select_for_update().get_or_create(financial_year=fy)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    sequence = counter.last_number
    return f"{BILL_PREFIX}/{fy}/{sequence:05d}", fy, sequence


# --- reads used by the writes ----------------------------------------------------------


def _status_for(*, bill_value: Decimal, amount_received: Decimal) -> str:
    if amount_received >= bill_value:
        return BillStatus.PAID
    if amount_received > ZERO:
        return BillStatus.PARTLY_PAID
    return BillStatus.OPEN


def _live_bill(device: Device, *, lock: bool = False) -> Bill | None:
    qs = Bill.objects.filter(device=device).exclude(status=BillStatus.VOID)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _save_bill(bill: Bill, **changes) -> None:
    """Write ``changes`` to ``bill`` (locked by the caller) with a new version, computed
    here rather than in SQL (SQLite adds decimals as floating point: ₹500.10 + ₹100.20
    would come out above ₹600.30 and break the balance check), and through ``save()``, so
    that the bill's history records it (django-simple-history does not see ``update()``)."""
    for field, value in changes.items():
        setattr(bill, field, value)
    bill.version += 1
    bill.save(update_fields=[*changes, "version", "updated_at"])


def _file_payments(payments, bill: Bill | None, by) -> None:
    """Put ``payments`` on ``bill`` (or take them off it: None), each change kept in the
    payment's history."""
    payments = list(payments)
    for payment in payments:
        payment.bill = bill
    bulk_update_with_history(payments, Payment, ["bill"], default_user=by)


def advance_mode(device: Device) -> str:
    """How the largest advance still held for ``device`` was paid: a refund goes back that
    way unless the clerk chooses otherwise (the largest, so that the refund is covered by
    what came in that way: a ₹100 UPI top-up must not make a ₹300 refund UPI)."""
    largest = (
        Payment.objects.filter(device=device, bill__isnull=True, reversal__isnull=True)
        .order_by("-amount", "-received_at")
        .first()
    )
    return largest.mode if largest else Payment.Mode.CASH


def _money_arg(value, field: str, label: str) -> Decimal:
    try:
        amount = to_money(value)
    except ValueError:
        raise ValidationError(
            {field: f"Enter the {label} as a number, e.g. 250 or 250.50."}
        ) from None
    if amount < ZERO:
        raise ValidationError({field: f"The {label} cannot be negative."})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: f"The {label} is too large."})
    return amount


def _mode_arg(mode: str, field: str = "mode") -> str:
    if mode not in Payment.Mode.values:
        raise ValidationError({field: "Choose cash, UPI, card or bank transfer."})
    return mode


# --- issuing a bill --------------------------------------------------------------------


def _service_lines(device: Device) -> list[dict]:
    """The service's labour and spare parts as bill lines (copied, never linked)."""
    try:
        service = Service.objects.get(device=device)
    except Service.DoesNotExist:
        return []
    lines = []
    if service.labour_charge > ZERO:
        work = " ".join((service.work_done or "").split())
        description = f"Labour: {work}" if work else "Labour charges"
        lines.append(
            dict(
                kind=BillLine.Kind.LABOUR,
                description=description,
                quantity=1,
                unit_price=service.labour_charge,
            )
        )
    for part in service.parts.order_by("added_at", "pk"):
        lines.append(
            dict(
                kind=BillLine.Kind.PART,
                description=part.name[:200],
                quantity=part.quantity,
                unit_price=part.unit_cost,
            )
        )
    return lines


def last_void_bill(device: Device) -> Bill | None:
    """The repair bill voided when the device was last reopened, if it has no live bill."""
    bills = list(
        Bill.objects.filter(device=device)
        .order_by("-issued_at", "-pk")
        .prefetch_related("lines")[:1]
    )
    if bills and bills[0].is_void and bills[0].kind == BillKind.REPAIR:
        return bills[0]
    return None


def staff_discount_limit(device: Device, by) -> Decimal | None:
    """The largest discount ``by`` may give when closing ``device``; None for no limit.

    Managers and the owner have none; staff have the shop's setting, or, after a reopen,
    the voided bill's discount if that was bigger (it was agreed when the bill was issued,
    and the close form fills it in)."""
    limit = ShopSettings.load().staff_discount_limit
    if limit is None or is_manager(by):
        return None
    void = last_void_bill(device)
    return max(limit, void.discount) if void is not None else limit


def carried_charges(bill: Bill | None) -> list[dict]:
    """A voided bill's extra charges (added by a manager's correction), as lines for the
    next bill. Reopening sends the repair back, not what was agreed on top of it: a data
    backup charged stays charged unless a manager removes it from the new bill."""
    if bill is None:
        return []
    return [
        dict(
            kind=BillLine.Kind.CHARGE,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            carried_from=bill.number,
        )
        for line in bill.lines.all()
        if line.kind == BillLine.Kind.CHARGE
    ]


_LOOK_IT_UP = object()


def _bill_lines(device: Device, void=_LOOK_IT_UP) -> list[dict]:
    """A repair bill's lines: the service's labour and parts, then the extra charges of the
    bill voided when the device was reopened (``carried_charges``; ``void``: that bill, when
    the caller has it already)."""
    if void is _LOOK_IT_UP:
        void = last_void_bill(device)
    return _service_lines(device) + carried_charges(void)


def service_lines_preview(device: Device, void=_LOOK_IT_UP) -> list[dict]:
    """The lines a bill closed now would have, each with its ``amount`` (for the close page)."""
    return [
        {**line, "amount": (to_money(line["unit_price"]) * line["quantity"]).quantize(CENT)}
        for line in _bill_lines(device, void)
    ]


def service_total(device: Device, void=_LOOK_IT_UP) -> Decimal:
    """What closing now would bill (labour, parts and carried charges, before discount)."""
    return sum((line["amount"] for line in service_lines_preview(device, void)), start=ZERO)


def _issue_bill(
    *,
    device: Device,
    by,
    kind: str,
    lines: list[dict],
    discount: Decimal,
    refund_excess: bool,
    refund_mode: str,
) -> Bill:
    """Number a bill, write its lines, attach the device's advances (refunding any excess).

    The caller holds the device lock and has already moved the device.
    """
    subtotal = sum(
        ((to_money(line["unit_price"]) * line["quantity"]).quantize(CENT) for line in lines),
        start=ZERO,
    )
    if subtotal > MAX_AMOUNT:  # the service's checks keep jobs below it; data from before
        raise ValidationError(
            f"The labour and spare parts come to more than {format_money(MAX_AMOUNT)}, more "
            "than a bill can hold. Check the quantities and prices on the service page."
        )
    if discount > subtotal:
        raise ValidationError(
            {
                "discount": f"The discount ({format_money(discount)}) cannot be more than the "
                f"bill before discount ({format_money(subtotal)})."
            }
        )
    total = subtotal - discount
    held = unbilled_money(device)
    refund = ZERO
    if held > total:
        refund = held - total
        if not refund_excess:
            raise ValidationError(
                f"{format_money(held)} was paid in advance but the bill comes to only "
                f"{format_money(total)}. Check the labour and spare parts, or tick “refund "
                f"the difference” to close the bill and hand {format_money(refund)} back.",
                code="advance_exceeds_total",
            )
    issued_at = timezone.now()
    number, fy, sequence = allocate_bill_number(issued_at=issued_at)
    bill = Bill.objects.create(
        device=device,
        kind=kind,
        number=number,
        financial_year=fy,
        sequence=sequence,
        issued_at=issued_at,
        issued_by=by,
        subtotal=subtotal,
        discount=discount,
        bill_value=total,
        amount_received=held - refund,
        status=_status_for(bill_value=total, amount_received=held - refund),
    )
    BillLine.objects.bulk_create(
        BillLine(
            bill=bill,
            position=position,
            kind=line["kind"],
            description=line["description"],
            quantity=line["quantity"],
            unit_price=to_money(line["unit_price"]),
            amount=(to_money(line["unit_price"]) * line["quantity"]).quantize(Decimal("0.01")),
        )
        for position, line in enumerate(lines, start=1)
    )
    _file_payments(Payment.objects.filter(device=device, bill__isnull=True), bill, by)
    Refund.objects.filter(device=device, bill__isnull=True).update(bill=bill)
    if refund > ZERO:
        Refund.objects.create(
            device=device,
            bill=bill,
            amount=refund,
            mode=refund_mode,
            reason=f"Advance above the bill total ({number})",
            refunded_by=by,
        )
        record_event(
            device,
            kind=DeviceEvent.Kind.REFUND,
            by=by,
            to_value=f"-{format_money(refund)}",
            note=f"Refund of the advance above the bill total, {Payment.Mode(refund_mode).label}",
        )
    return bill


@transaction.atomic
def bill_close(
    *,
    device: Device,
    by,
    discount=ZERO,
    refund_excess: bool = False,
    refund_mode: str = Payment.Mode.CASH,
    allow_zero: bool = False,
    expected_total=None,
) -> Bill:
    """Repair done: issue the device's bill and move it to ready ("delivery pending").

    Any staff member may close (SPEC §5). Only a device in repair (assigned) can be
    closed, so closing twice is refused with a message and never makes a second bill.
    The lines are the service's labour (if any) and each spare part, copied, and, after a
    reopen, the voided bill's extra charges (``carried_charges``); the discount may not be
    more than their sum. A bill that comes to ₹0 (nothing recorded, or all of
    it discounted) is issued only with ``allow_zero``: a numbered bill cannot be taken
    back, so a forgotten labour charge must not slip through. Advances are attached; if
    they are more than the total, ``refund_excess`` must be set and the difference is
    refunded. ``expected_total``: the total before discount that the person closing saw;
    if a part or the labour changed since, nothing is issued (code "stale"), so a discount
    is never applied to a total nobody looked at.
    """
    discount = _money_arg(discount, "discount", "discount")
    refund_mode = _mode_arg(refund_mode, "refund_mode")
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if locked.status != Device.Status.ASSIGNED:
        # Not in repair (or already closed): the workflow refuses in a clerk's words.
        device_mark_ready(device=locked, by=by)
    limit = staff_discount_limit(locked, by)
    if limit is not None and discount > limit:
        raise ValidationError(
            {
                "discount": f"A discount above {format_money(limit)} is given by a manager or "
                "the owner: ask one of them to close this repair."
            },
            code="discount_needs_manager",
        )
    lines = _bill_lines(locked)
    subtotal = sum(
        ((to_money(line["unit_price"]) * line["quantity"]).quantize(CENT) for line in lines),
        start=ZERO,
    )
    if expected_total is not None and subtotal != to_money(expected_total):
        raise ValidationError(
            f"The job changed while this page was open: the bill now comes to "
            f"{format_money(subtotal)} before discount, not the {format_money(expected_total)} "
            "you saw. Check the discount and close again.",
            code="stale",
        )
    if subtotal - discount == ZERO and not allow_zero:
        if subtotal == ZERO:
            message = (
                "Nothing to bill yet: add labour or spare parts on the device page first, "
                f"or tick “Issue a {format_money(ZERO)} bill” if the work is free of charge."
            )
        else:
            message = (
                "The discount takes the bill to "
                f"{format_money(ZERO)}: tick “Issue a {format_money(ZERO)} bill” to confirm."
            )
        raise ValidationError({"allow_zero": message}, code="zero_bill")
    bill = _issue_bill(
        device=locked,
        by=by,
        kind=BillKind.REPAIR,
        lines=lines,
        discount=discount,
        refund_excess=refund_excess,
        refund_mode=refund_mode,
    )
    device_mark_ready(
        device=locked,
        by=by,
        note=f"Bill {bill.number}: {format_money(bill.bill_value)}"
        + (f" after a discount of {format_money(bill.discount)}" if bill.discount else "")
        + f", received {format_money(bill.amount_received)}.",
    )
    return bill


# --- payments --------------------------------------------------------------------------


# A payment form whose key was already used for another device (copied or tampered).
STALE_PAYMENT_FORM = (
    "This payment form is out of date, so nothing was recorded. "
    "Open the device again and take the payment."
)


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
    zero; a device handed back with no bill takes no payment; the same idempotency key
    (one per rendered form) records one payment however often the form is posted. The
    device and bill rows are locked, so concurrent payments add up exactly.
    """
    try:
        amount = to_money(amount)
    except ValueError:
        raise ValidationError(
            {"amount": "Enter the amount as a number, e.g. 500 or 499.50."}
        ) from None
    if amount <= ZERO:
        raise ValidationError({"amount": "Enter an amount greater than zero."})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": "That amount is too large."})
    mode = _mode_arg(mode)
    locked_device = Device.objects.select_for_update().get(pk=device.pk)
    if idempotency_key:
        # Checked under the device lock: a double-posted form waits for the first post
        # to commit and then finds its payment here.
        existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if existing and existing.device_id == locked_device.pk:
            return existing
        if existing:
            # Another device's form key (a tampered or copied post): never report that
            # payment as this one.
            raise ValidationError(STALE_PAYMENT_FORM)
    bill = _live_bill(locked_device, lock=True)
    if bill is not None:
        balance = bill.bill_value - bill.amount_received
        if balance <= ZERO:
            raise ValidationError(
                {"amount": f"Bill {bill.number} is fully paid; nothing more is due."}
            )
        if amount > balance:
            raise ValidationError(
                {
                    "amount": f"That is more than the balance due ({format_money(balance)}). "
                    "Enter at most the balance."
                }
            )
    elif locked_device.status in Device.TERMINAL:
        raise ValidationError(
            f"{locked_device.job_number} has been handed back with no bill; no payment is due."
        )
    else:
        # Advances pay the bill to come: together they may not be more than a bill holds
        # (the money columns' 12 digits), or closing, returning and the lists would fail.
        held = unbilled_money(locked_device)
        if held + amount > MAX_AMOUNT:
            raise ValidationError(
                {
                    "amount": f"With the {format_money(held)} already paid in advance, that is "
                    f"more than a bill can hold ({format_money(MAX_AMOUNT)})."
                }
            )
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                device=locked_device,
                bill=bill,
                amount=amount,
                mode=mode,
                reference=(reference or "").strip()[:100],
                is_advance=is_advance or bill is None,
                received_by=by,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        # The same key, posted at once for another device: the first one won.
        if idempotency_key:
            raise ValidationError(STALE_PAYMENT_FORM) from None
        raise
    if bill is not None:
        received = bill.amount_received + amount
        _save_bill(
            bill,
            amount_received=received,
            status=_status_for(bill_value=bill.bill_value, amount_received=received),
        )
    record_event(
        locked_device,
        kind=DeviceEvent.Kind.PAYMENT,
        by=by,
        to_value=format_money(amount),
        note=f"{'Advance, ' if payment.is_advance else ''}{payment.get_mode_display()}"
        + (f", ref {payment.reference}" if payment.reference else "")
        + (f" (bill {bill.number})" if bill is not None else ""),
    )
    return payment


# --- delivery, return, reopen ----------------------------------------------------------


def _let_go_with_money_due(
    *,
    by,
    allowed: bool,
    reason: str,
    refused: str,
    tick: str,
    manager_may: str,
    reason_field: str,
    why: str,
    refused_field: str | None = None,
) -> str:
    """A device leaving with money due (delivered with a balance, returned with its charge
    unpaid): refused with ``refused`` unless ``allowed`` (the manager ticked ``tick``), by
    a manager or admin, with a reason (``why`` asks for it). Returns the reason, tidied."""
    if not allowed:
        instead = (
            f"tick “{tick}” and give a reason"
            if is_manager(by)
            else f"ask a manager to {manager_may}"
        )
        message = f"{refused}, or {instead}."
        raise ValidationError(
            {refused_field: message} if refused_field else message, code="balance_due"
        )
    if not is_manager(by):
        raise ValidationError(
            f"Only a manager or the owner can {manager_may}.", code="balance_due_needs_manager"
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({reason_field: why}, code="reason_required")
    return reason


@transaction.atomic
def delivery_complete(
    *, device: Device, by, allow_balance_due: bool = False, reason: str = ""
) -> Device:
    """Hand a ready device over (ready -> delivered).

    With a balance still due only a manager or admin may hand it over, ticking "deliver
    with balance due" and giving a reason; the delivery event on the timeline says so.
    """
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if locked.status != Device.Status.READY:
        # The workflow refuses with the right words for the state it is in.
        return device_deliver(device=locked, by=by)
    bill = _live_bill(locked, lock=True)
    if bill is None:
        raise ValidationError(
            f"{locked.job_number} has no bill. Reopen it and close the repair again to issue one."
        )
    note = f"Bill {bill.number}, paid in full."
    if bill.balance > ZERO:
        due = format_money(bill.balance)
        reason = _let_go_with_money_due(
            by=by,
            allowed=allow_balance_due,
            reason=reason,
            refused=f"{due} is still due on bill {bill.number}. Take the payment first",
            tick="Deliver with balance due",
            manager_may="hand over a device with a balance due",
            reason_field="reason",
            why="Say why the device goes out with a balance due.",
        )
        note = f"Delivered with {due} still due on bill {bill.number}, confirmed by {by}: {reason}"
    delivered = device_deliver(device=locked, by=by, note=note)
    # The bill prints the delivery date: a new version, so that its stored PDF (and the
    # bill page's cached body) are made again rather than served without it.
    # Not a change of the bill's own fields: no entry in its history.
    Bill.objects.filter(pk=bill.pk).update(version=F("version") + 1, updated_at=timezone.now())
    return delivered


@transaction.atomic
def return_unrepaired(
    *,
    device: Device,
    by,
    reason: str,
    inspection_charge=ZERO,
    refund_mode: str = Payment.Mode.CASH,
    allow_balance_due: bool = False,
    balance_reason: str = "",
) -> Bill | None:
    """Hand a device back unrepaired (received or assigned -> returned), with a reason.

    An inspection charge, if any, is billed on its own bill with that single line. Money
    paid in advance pays that bill; whatever is above the charge (all of it, without a
    charge) is refunded in ``refund_mode``. Returns the bill, or None when nothing was
    charged.

    A charge above what was paid in advance leaves money due on a device that is gone: as
    with a delivery, only a manager or admin may do that, ticking ``allow_balance_due`` and
    giving ``balance_reason`` (the timeline says so). Others take the rest as an advance
    first.
    """
    charge = _money_arg(inspection_charge, "inspection_charge", "inspection charge")
    refund_mode = _mode_arg(refund_mode, "refund_mode")
    locked = Device.objects.select_for_update().get(pk=device.pk)
    note = ""
    # (A device no longer in the workshop is refused by device_return, in its own words.)
    unpaid = charge - unbilled_money(locked) if locked.status in Device.OPEN else ZERO
    if unpaid > ZERO:
        due = format_money(unpaid)
        balance_reason = _let_go_with_money_due(
            by=by,
            allowed=allow_balance_due,
            reason=balance_reason,
            refused=f"{due} of the {format_money(charge)} charge is not paid yet. "
            "Take it first with “Take an advance”",
            refused_field="inspection_charge",
            tick="Return with the charge due",
            manager_may="return it with the charge due",
            reason_field="balance_reason",
            why="Say why the device goes back with the charge due.",
        )
        note = (
            f"{' '.join((reason or '').split())}. Returned with {due} of the inspection charge "
            f"due, confirmed by {by}: {balance_reason}"
        )
    locked = device_return(device=locked, by=by, reason=reason, note=note)
    if charge > ZERO:
        bill = _issue_bill(
            device=locked,
            by=by,
            kind=BillKind.INSPECTION,
            lines=[
                dict(
                    kind=BillLine.Kind.CHARGE,
                    description="Inspection / diagnosis charge (returned unrepaired)",
                    quantity=1,
                    unit_price=charge,
                )
            ],
            discount=ZERO,
            refund_excess=True,
            refund_mode=refund_mode,
        )
        # The return's entry names the bill it issued, as a closed repair's does (one action:
        # the bill is numbered after the move, in the same transaction).
        returned = locked.events.filter(kind=DeviceEvent.Kind.RETURNED).latest("at", "pk")
        returned.note = (
            f"{returned.note.rstrip('.')}. Inspection bill {bill.number}: "
            f"{format_money(bill.bill_value)}, received {format_money(bill.amount_received)}."
        )
        returned.save(update_fields=["note"])
        return bill
    held = unbilled_money(locked)
    if held > ZERO:
        Refund.objects.create(
            device=locked,
            amount=held,
            mode=refund_mode,
            reason="Advance refunded: returned unrepaired",
            refunded_by=by,
        )
        record_event(
            locked,
            kind=DeviceEvent.Kind.REFUND,
            by=by,
            to_value=f"-{format_money(held)}",
            note=f"Advance refunded, {Payment.Mode(refund_mode).label}",
        )
    return None


def payment_reversal_refusal(payment: Payment, *, bill: Bill | None, device: Device):
    """Why ``payment`` cannot be reversed (a ``ValidationError``), or None: it was reversed
    already, or part of its money was refunded (taking it back would make the money
    received negative). ``bill`` is the payment's bill (None for an advance)."""
    if Refund.objects.filter(reverses=payment).exists():
        return ValidationError("This payment has already been reversed.", code="reversed")
    held = bill.amount_received if bill is not None else unbilled_money(device)
    if held - payment.amount < ZERO:
        return ValidationError(
            f"Only {format_money(held)} of this money is still held (the rest was refunded), "
            f"so a {format_money(payment.amount)} payment cannot be taken back.",
            code="refunded",
        )
    return None


@transaction.atomic
def payment_reverse(*, payment: Payment, by, reason: str) -> Refund:
    """Managers only: take back a payment entered by mistake (a wrong amount, mode or
    device). No money changes hands: a correcting entry (``Refund.reverses``) takes the
    amount out of the bill's received money (or the advances held) and out of the totals
    of the day it is made, the payment stays on record, and the timeline says who did it
    and why. The right payment, if any, is then taken as usual.

    Refused: a payment already reversed, and one whose money was partly refunded already
    (reversing it would make the money received negative).
    """
    if not is_manager(by):
        raise PermissionDenied("Only a manager or the owner can reverse a payment.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the payment is reversed."})
    locked_device = Device.objects.select_for_update().get(pk=payment.device_id)
    payment = Payment.objects.select_related("received_by").get(pk=payment.pk)
    bill = Bill.objects.select_for_update().get(pk=payment.bill_id) if payment.bill_id else None
    refused = payment_reversal_refusal(payment, bill=bill, device=locked_device)
    if refused:
        raise refused
    received_on = format_day(payment.received_at)
    reversal = Refund.objects.create(
        device=locked_device,
        bill=bill,
        amount=payment.amount,
        mode=payment.mode,
        reason=f"Reversal of the {payment.get_mode_display()} payment of {received_on}: {reason}"[
            :300
        ],
        refunded_by=by,
        reverses=payment,
    )
    if bill is not None:
        received = bill.amount_received - payment.amount
        _save_bill(
            bill,
            amount_received=received,
            status=_status_for(bill_value=bill.bill_value, amount_received=received),
        )
    taker = payment.received_by.get_full_name() or payment.received_by.get_username()
    record_event(
        locked_device,
        kind=DeviceEvent.Kind.PAYMENT_REVERSED,
        by=by,
        from_value=format_money(payment.amount),
        to_value="reversed",
        note=f"{payment.get_mode_display()} payment of {received_on}, taken by {taker}, "
        f"reversed: {reason}",
    )
    return reversal


@transaction.atomic
def reopen_device(*, device: Device, by, reason: str) -> Device:
    """Send a ready device back to its technician (ready -> assigned); managers only.

    The bill is voided with the reason, never deleted. Its payments stay with the device
    and are attached to the new bill when the repair is closed again.
    """
    if not is_manager(by):
        raise PermissionDenied("Only a manager or the owner can reopen a device.")
    locked = device_reopen(device=device, by=by, reason=reason)
    bill = _live_bill(locked, lock=True)
    if bill is not None:
        bill_void(bill=bill, by=by, reason=reason)
    return locked


def bill_void(*, bill: Bill, by, reason: str) -> Bill:
    """Void a bill (kept for the books, marked VOID) and free its money for the next bill.

    Runs inside the caller's transaction with the device and bill locked (``reopen_device``).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("bill_void must run inside the caller's transaction")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the bill is voided."})
    _save_bill(
        bill,
        status=BillStatus.VOID,
        void_reason=reason[:300],
        voided_at=timezone.now(),
        voided_by=by,
    )
    _file_payments(Payment.objects.filter(bill=bill), None, by)
    Refund.objects.filter(bill=bill).update(bill=None)
    record_event(
        bill.device,
        kind=DeviceEvent.Kind.BILL_CHANGED,
        by=by,
        from_value=bill.number,
        to_value="void",
        note=f"Bill {bill.number} voided: {reason}. Its payments "
        f"({format_money(bill.amount_received)}) go to the next bill.",
    )
    return bill


# --- correcting an issued bill ---------------------------------------------------------


def _snapshot(bill: Bill, lines) -> dict:
    return {
        "subtotal": str(bill.subtotal),
        "discount": str(bill.discount),
        "bill_value": str(bill.bill_value),
        "notes": bill.notes,
        "lines": [
            {
                "id": line.pk,
                "kind": line.kind,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
            }
            for line in lines
        ],
    }


def _changed_meanwhile(bill: Bill) -> str:
    last = bill.changes.select_related("changed_by").order_by("-changed_at", "-pk").first()
    said = f"Bill {bill.number} changed while this page was open"
    if last is not None:
        who = last.changed_by.get_full_name() or last.changed_by.username
        when = format_day(last.changed_at, with_time=True)
        said += f" (the last change, by {who} on {when}: {last.summary})"
    return (
        f"{said}, so nothing was saved. It is shown here as it is now: check it, and save your "
        "change again if it is still needed."
    )


@transaction.atomic
def bill_correct(
    *,
    bill: Bill,
    by,
    reason: str,
    discount=None,
    notes: str | None = None,
    add_lines=(),
    remove_line_ids=(),
    expected_version: int | None = None,
) -> Bill:
    """Change an issued bill: discount, extra charge lines, notes. Managers and admins only.

    A reason is required; the change is recorded (who, when, before, after) on the bill
    and on the device's timeline. Only extra charge lines can be removed (labour and parts
    came from the service: reopen the device to change those). The new total may not be
    less than the amount already received. A void bill cannot change.
    ``add_lines``: ``[{"description", "quantity", "unit_price"}]``.

    ``expected_version``: the bill's version when the manager opened it. If it moved since
    (the same form sent twice, another manager's change, a payment), nothing is changed: an
    extra charge is never added twice, nor a discount set over one the manager never saw.
    """
    if not is_manager(by):
        raise PermissionDenied("Only a manager or the owner can change a closed bill.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the bill is changed."})
    Device.objects.select_for_update().get(pk=bill.device_id)
    locked = Bill.objects.select_for_update().select_related("device").get(pk=bill.pk)
    if locked.is_void:
        raise ValidationError(f"Bill {locked.number} is void; it cannot be changed.")
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(_changed_meanwhile(locked), code="stale")
    lines = list(locked.lines.all())
    before = _snapshot(locked, lines)
    changes = []

    removing = [line for line in lines if line.pk in set(remove_line_ids)]
    for line in removing:
        if line.kind != BillLine.Kind.CHARGE:
            raise ValidationError(
                {
                    "remove_lines": f"“{line.description}” came from the service and cannot be "
                    "removed here. Reopen the device to change the repair."
                }
            )
    new_lines = []
    for item in add_lines:
        description = " ".join((item.get("description") or "").split())[:200]
        quantity = int(item.get("quantity") or 1)
        price = _money_arg(item.get("unit_price"), "unit_price", "price")
        if not description:
            raise ValidationError({"description": "Describe the extra charge."})
        if quantity < 1:
            raise ValidationError({"quantity": "The quantity must be at least 1."})
        if price <= ZERO:
            raise ValidationError({"unit_price": "Enter a price greater than zero."})
        new_lines.append((description, quantity, price))

    kept = [line for line in lines if line not in removing]
    subtotal = sum((line.amount for line in kept), start=ZERO) + sum(
        ((price * qty).quantize(Decimal("0.01")) for _, qty, price in new_lines), start=ZERO
    )
    if subtotal > MAX_AMOUNT:  # the columns hold 12 digits: refuse, never overflow them
        raise ValidationError(
            {"unit_price": f"The bill would come to more than {format_money(MAX_AMOUNT)}."}
        )
    new_discount = (
        locked.discount if discount is None else _money_arg(discount, "discount", "discount")
    )
    if new_discount > subtotal:
        raise ValidationError(
            {
                "discount": f"The discount cannot be more than the bill before discount "
                f"({format_money(subtotal)})."
            }
        )
    total = subtotal - new_discount
    if total < locked.amount_received:
        raise ValidationError(
            f"The new total ({format_money(total)}) would be less than the "
            f"{format_money(locked.amount_received)} already received. A bill cannot go "
            "below what the customer has paid.",
            code="below_received",
        )
    new_notes = locked.notes if notes is None else notes.strip()

    if new_discount != locked.discount:
        changes.append(f"Discount {format_money(locked.discount)} → {format_money(new_discount)}")
    for line in removing:
        changes.append(f"Removed “{line.description}” ({format_money(line.amount)})")
    for description, qty, price in new_lines:
        changes.append(
            f"Added “{description}” {qty} × {format_money(price)} = {format_money(price * qty)}"
        )
    if new_notes != locked.notes:
        changes.append("Notes changed")
    if not changes:
        raise ValidationError("Nothing was changed. Change the discount, a charge or the notes.")
    if total != locked.bill_value:
        changes.append(f"Total {format_money(locked.bill_value)} → {format_money(total)}")

    if removing:
        BillLine.objects.filter(pk__in=[line.pk for line in removing]).delete()
    next_position = max((line.position for line in kept), default=0) + 1
    BillLine.objects.bulk_create(
        BillLine(
            bill=locked,
            position=next_position + i,
            kind=BillLine.Kind.CHARGE,
            description=description,
            quantity=qty,
            unit_price=price,
            amount=(price * qty).quantize(Decimal("0.01")),
        )
        for i, (description, qty, price) in enumerate(new_lines)
    )
    old_total = locked.bill_value
    _save_bill(
        locked,
        subtotal=subtotal,
        discount=new_discount,
        bill_value=total,
        notes=new_notes,
        status=_status_for(bill_value=total, amount_received=locked.amount_received),
    )
    summary = "; ".join(changes)
    BillChange.objects.create(
        bill=locked,
        changed_by=by,
        reason=reason,
        summary=summary,
        before=before,
        after=_snapshot(locked, locked.lines.order_by("position", "pk")),
    )
    record_event(
        locked.device,
        kind=DeviceEvent.Kind.BILL_CHANGED,
        by=by,
        from_value=format_money(old_total),
        to_value=format_money(total),
        note=f"Bill {locked.number} changed: {reason} ({summary})",
    )
    return locked


# --- people's names on bills -----------------------------------------------------------

# What a bill prints of a person (their full name, else their username).
NAME_FIELDS = ("first_name", "last_name", "username")


def bills_naming(user):
    """Bills that print ``user``'s name: as the device's technician, or as who took a
    payment, made a refund, changed or voided the bill."""
    return Bill.objects.filter(
        Q(device__assigned_to=user)
        | Q(payments__received_by=user)
        | Q(refunds__refunded_by=user)
        | Q(changes__changed_by=user)
        | Q(voided_by=user)
    )


def user_renamed(user) -> int:
    """``user``'s name changed: every bill that prints it gets a new version, so that its
    stored PDF and the bill page's cached body are made again with the new name."""
    return Bill.objects.filter(pk__in=bills_naming(user).values("pk")).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
