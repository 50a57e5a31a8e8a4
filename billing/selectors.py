"""Reads that billing's pages (and other apps) share, with their joins done once."""

import hashlib
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)

from devices.models import Device, DeviceEvent, closed_at_expression
from devices.selectors import devices_for_lists
from telite.money import ZERO

from .models import Bill, BillStatus, Payment, Refund, ShopSettings


def shop_settings() -> ShopSettings:
    """The shop's settings row (created with defaults on first use)."""
    return ShopSettings.load()


def printed_details_stamp(bill: Bill, shop: ShopSettings) -> str:
    """What a printed bill shows besides the bill's own rows (which its ``version``
    follows): the device's and the customer's details (their ``updated_at`` moves with any
    edit, a reassignment included) and the shop's (hashed: they have no version). The bill
    page and the stored PDF are kept under it, so neither shows a renamed customer or an
    old GSTIN. ``bill.device.customer`` should be fetched with the bill."""
    device, customer = bill.device, bill.device.customer
    shop_details = repr([str(getattr(shop, f.attname)) for f in shop._meta.concrete_fields])
    shop_hash = hashlib.sha256(shop_details.encode()).hexdigest()[:16]
    return f"{device.updated_at.timestamp()}:{customer.updated_at.timestamp()}:{shop_hash}"


def customer_money_totals(customer_ids) -> dict[int, dict]:
    """Per customer: ``billed``, ``received`` and ``balance`` from live (not void) bills
    (None with no bill), and ``advance``: money paid ahead on devices not billed yet, less
    what was refunded of it (None when nothing is held).

    Three queries whatever the number of customers; customers with neither are absent.
    """
    ids = list(customer_ids)
    totals: dict[int, dict] = {}

    def row(customer_id):
        return totals.setdefault(
            customer_id, {"billed": None, "received": None, "balance": None, "advance": None}
        )

    bills = (
        Bill.objects.filter(device__customer_id__in=ids)
        .exclude(status=BillStatus.VOID)
        .values("device__customer_id")
        .annotate(billed=Sum("bill_value"), received=Sum("amount_received"))
    )
    for r in bills:
        row(r["device__customer_id"]).update(
            billed=r["billed"], received=r["received"], balance=r["billed"] - r["received"]
        )
    for customer_id, amount in _unbilled_by("device__customer_id", ids).items():
        if amount > ZERO:
            row(customer_id)["advance"] = amount
    return totals


def _unbilled_by(key: str, ids) -> dict[int, Decimal]:
    """Money held and not yet on a bill (advances less what was refunded or reversed of
    them), summed per ``key`` (``device_id`` or ``device__customer_id``) over ``ids``;
    only those with a payment or refund not on a bill. Two queries."""
    held: dict[int, Decimal] = {}
    for model, sign in ((Payment, 1), (Refund, -1)):
        unbilled = (
            model.objects.filter(**{f"{key}__in": ids}, bill__isnull=True)
            .values(key)
            .annotate(total=Sum("amount"))
        )
        for r in unbilled:
            held[r[key]] = held.get(r[key], ZERO) + sign * r["total"]
    return held


def unbilled_by_device(device_ids) -> dict[int, Decimal]:
    """Per device: money held before a bill (``unbilled_money`` for many devices, two
    queries); devices holding nothing are absent."""
    held = _unbilled_by("device_id", list(device_ids))
    return {pk: amount for pk, amount in held.items() if amount > ZERO}


def live_bill(device) -> Bill | None:
    """The device's current bill (not void), or None."""
    return Bill.objects.filter(device=device).exclude(status=BillStatus.VOID).first()


def _bills_to_show(device_id: int):
    # Live first (void sorts after the others), then the newest.
    return Bill.objects.filter(device_id=device_id).order_by(
        Case(When(status=BillStatus.VOID, then=Value(1)), default=Value(0)),
        "-issued_at",
        "-pk",
    )


def bill_for_device(device_id: int) -> Bill | None:
    """The bill to show for a device: its live bill, else its latest void one, else None.

    Lines, payments, refunds and the change history come with it (five queries in all).
    """
    return (
        _bills_to_show(device_id)
        .select_related("device__customer", "device__assigned_to", "issued_by", "voided_by")
        .prefetch_related(
            "lines",
            Prefetch(
                "payments", queryset=Payment.objects.select_related("received_by", "reversal")
            ),
            Prefetch("refunds", queryset=Refund.objects.select_related("refunded_by")),
            "changes__changed_by",
        )
        .first()
    )


def bill_row_for_device(device_id: int, *, with_device: bool = False) -> Bill | None:
    """The same bill as ``bill_for_device``, its row alone (one query): enough to tell
    whether its stored PDF or page is current (``with_device``: and the device and
    customer rows, for the page's header and the page's cache key)."""
    bills = _bills_to_show(device_id)
    if with_device:
        bills = bills.select_related("device__customer")
    return bills.first()


def unbilled_money(device) -> Decimal:
    """Money held for a device and not yet on a bill: advances less what was refunded or
    reversed of them."""
    return _unbilled_by("device_id", [device.pk]).get(device.pk, ZERO)


def device_money(device) -> dict:
    """What the device actions panel needs: the live bill and money held before a bill."""
    bill = live_bill(device)
    return {"bill": bill, "advance_held": unbilled_money(device) if bill is None else ZERO}


def live_bills_prefetch():
    return Prefetch(
        "bills",
        # What the lists show of a bill (billing/views/rows.py).
        queryset=Bill.objects.exclude(status=BillStatus.VOID).only(
            "device", "number", "status", "bill_value", "amount_received"
        ),
        to_attr="live_bills",
    )


def balance_due_q() -> Q:
    """Devices whose live bill still has money due."""
    return Q(
        Exists(
            Bill.objects.filter(device=OuterRef("pk"), amount_received__lt=F("bill_value"))
            .exclude(status=BillStatus.VOID)
            .values("device")
        )
    )


def _told_ready_at() -> Subquery:
    return Subquery(
        DeviceEvent.objects.filter(
            device=OuterRef("pk"),
            kind=DeviceEvent.Kind.MESSAGED,
            to_value=DeviceEvent.Message.READY,
            at__gte=OuterRef("ready_at"),
        )
        .order_by("-at")
        .values("at")[:1]
    )


def told_ready_at(device):
    """When ``device``'s customer was last sent "ready for collection" since it was ready."""
    return (
        Device.objects.filter(pk=device.pk)
        .annotate(told_at=_told_ready_at())
        .values_list("told_at", flat=True)
        .first()
    )


def devices_awaiting_delivery():
    """Ready devices, longest waiting first, each with ``live_bills`` (two queries) and
    ``told_at``: when the customer was last sent "ready for collection" since it was ready
    (None if not yet)."""
    return (
        devices_for_lists()
        .filter(status=Device.Status.READY)
        .annotate(told_at=_told_ready_at())
        .prefetch_related(live_bills_prefetch())
        .order_by("ready_at", "pk")
    )


def closed_devices():
    """Ready, delivered and returned devices, newest closed first, with ``closed_at``
    (ready date, or return date for a device returned unrepaired) and ``live_bills``."""
    return (
        devices_for_lists()
        .filter(status__in=Device.FINISHED)
        .annotate(closed_at=closed_at_expression())
        .prefetch_related(live_bills_prefetch())
        .order_by("-closed_at", "-pk")
    )


def bill_totals(devices) -> dict:
    """Billed, received and due over the live bills of a (filtered) device queryset."""
    sums = (
        Bill.objects.filter(device__in=devices.values("pk"))
        .exclude(status=BillStatus.VOID)
        .aggregate(billed=Sum("bill_value"), received=Sum("amount_received"), count=Count("pk"))
    )
    billed = sums["billed"] or ZERO
    received = sums["received"] or ZERO
    return {
        "billed": billed,
        "received": received,
        "due": billed - received,
        "count": sums["count"],
    }


def payments():
    """Payments, newest first, with the device, customer, bill and clerk joined."""
    return Payment.objects.select_related(
        "device__customer", "bill", "received_by", "reversal"
    ).order_by("-received_at", "-pk")


def payment_totals(payment_qs, refund_qs) -> dict:
    """Sums over a filtered set of payments and the refunds of the same period.

    A reversal (a payment entered by mistake, ``Refund.reverses``) is no refund: no money
    went back. It comes off the received money of its mode, as a correcting entry on the
    day it is made, so each mode's figure is what the drawer or the account really took.
    Refunds (money handed back) are listed beside each mode with its net: what the cash
    drawer, say, should hold.
    """
    by_mode = {
        row["mode"]: row
        for row in payment_qs.order_by().values("mode").annotate(total=Sum("amount"), n=Count("pk"))
    }
    reversed_by_mode = {
        row["mode"]: row
        for row in refund_qs.filter(reverses__isnull=False)
        .order_by()
        .values("mode")
        .annotate(total=Sum("amount"), n=Count("pk"))
    }
    refunded_by_mode = {
        row["mode"]: row["total"]
        for row in refund_qs.filter(reverses__isnull=True)
        .order_by()
        .values("mode")
        .annotate(total=Sum("amount"))
    }
    refunded = sum(refunded_by_mode.values(), start=ZERO)
    modes = []
    for mode, label in Payment.Mode.choices:
        taken, undone = by_mode.get(mode, {}), reversed_by_mode.get(mode, {})
        total = (taken.get("total") or ZERO) - (undone.get("total") or ZERO)
        handed_back = refunded_by_mode.get(mode) or ZERO
        modes.append(
            {
                "mode": mode,
                "label": label,
                "total": total,
                # Payments taken in the period (a reversal corrects the amount, on its own
                # day, which may not be the payment's).
                "count": taken.get("n") or 0,
                "refunded": handed_back,
                "net": total - handed_back,
            }
        )
    received = sum((m["total"] for m in modes), start=ZERO)
    reversed_total = sum((row["total"] for row in reversed_by_mode.values()), start=ZERO)
    return {
        "received": received,
        "count": sum(m["count"] for m in modes),
        "reversed": reversed_total,
        "refunded": refunded,
        "net": received - refunded,
        "modes": modes,
    }
