"""Lists: devices waiting for delivery, closed history, payments received.

Each is filtered with django-filter, searched, paged, and runs a fixed number of queries
whatever the number of rows (tests check it with 30+ rows).
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from customers.models import Customer
from devices.models import Device
from telite.forms_util import applied_filters, asks_for_filters, style_filter_form
from telite.pagecache import cached_page
from telite.pagination import CappedPaginator
from telite.permissions import STAFF, role_required

from ..filters import ClosedDeviceFilter, DeliveryFilter, PaymentFilter, refunds_in
from ..models import Refund
from ..selectors import (
    bill_totals,
    devices_awaiting_delivery,
    payment_totals,
    payments,
)
from ..selectors import (
    closed_devices as closed_devices_qs,
)
from .common import PAGE_SIZE
from .rows import closed_row, delivery_row


def _live_bill(device):
    bills = getattr(device, "live_bills", None) or []
    return bills[0] if bills else None


def delivery_summary(params) -> dict:
    """The delivery list's summary cards (waiting, billed, received, still due) for the
    filters in ``params`` (the page's query string)."""
    devices = DeliveryFilter(params or None, queryset=devices_awaiting_delivery())
    return {"waiting": devices.qs.count(), "totals": bill_totals(devices.qs)}


@role_required(STAFF)
@cached_page
def delivery_ready(request):
    """Staff, managers, admins: repaired devices waiting to be handed over, with what is
    still due; take a payment inline and deliver."""
    devices = DeliveryFilter(request.GET or None, queryset=devices_awaiting_delivery())
    style_filter_form(devices.form)
    page = Paginator(devices.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # No payment form per row: "Take payment" fetches the row with its form (htmx).
    rows = [delivery_row(d, _live_bill(d)) for d in page.object_list]
    return render(
        request,
        "billing/delivery_ready.html",
        {
            "filter": devices,
            "page": page,
            "rows": rows,
            "totals": bill_totals(devices.qs),
            "filtered": asks_for_filters(request),
        },
    )


@role_required(STAFF)
@cached_page
def closed_devices(request):
    """Staff, managers, admins: the history of closed, delivered and returned devices."""
    devices = ClosedDeviceFilter(request.GET or None, queryset=closed_devices_qs())
    style_filter_form(devices.form)
    page = CappedPaginator(devices.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [closed_row(d, _live_bill(d)) for d in page.object_list]
    filtered = asks_for_filters(request)
    customer = None
    if customer_pk := applied_filters(devices).get("customer"):
        customer = Customer.objects.filter(pk=customer_pk).first()
    return render(
        request,
        "billing/closed_devices.html",
        {
            "filter": devices,
            "page": page,
            "rows": rows,
            "customer": customer,
            # Totals of what was asked for; over all of history they are a report (and
            # would sum ten years of bills on every visit).
            "totals": bill_totals(devices.qs) if filtered else None,
            "filtered": filtered,
        },
    )


@role_required(STAFF)
def payment_list(request):
    """Staff, managers, admins: payments received, by date range and mode, with totals."""
    found = PaymentFilter(request.GET or None, queryset=payments())
    style_filter_form(found.form)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    refunds = refunds_in(
        Refund.objects.select_related("device__customer", "refunded_by"), applied_filters(found)
    )
    device = None
    if device_pk := applied_filters(found).get("device"):
        device = Device.objects.filter(pk=device_pk).only("pk", "job_number").first()
    return render(
        request,
        "billing/payment_list.html",
        {
            "device": device,
            "filter": found,
            "page": page,
            "totals": payment_totals(found.qs, refunds),
            "refunds": refunds.order_by("-refunded_at")[:50],
            "filtered": asks_for_filters(request),
        },
    )
