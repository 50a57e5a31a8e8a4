"""List filters. Query parameters other pages link with (keep them):

- ``/closed_devices?q=&status=<ready|delivered|returned>&technician=&balance=<due|paid>&customer=&closed_after=&closed_before=``
  (closed = the ready date; for a device returned unrepaired, the return date)
- ``/delivery_ready?q=&technician=&balance=due``
- ``/payments/?q=&received_after=&received_before=&mode=&device=``
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from devices.filters import device_search, ids_or_none, technician_filter
from devices.models import Device
from telite.dates import day_end, day_start
from telite.forms_util import DateRangeForm, DayFromFilter, DayToFilter, search_filter

from .models import Bill, BillStatus, Payment
from .selectors import balance_due_q

DATE = forms.DateInput(attrs={"type": "date"})


def search_devices(queryset, value: str):
    """Job number, bill number, WhatsApp number in any written form, customer name, serial."""
    value = (value or "").strip()
    if not value:
        return queryset
    # Bills by number on their own table (trigram index), not an EXISTS per device row.
    billed = ids_or_none(Bill.objects.filter(number__icontains=value), "device_id")
    if billed is None:
        bill_number = Q(Exists(Bill.objects.filter(device=OuterRef("pk"), number__icontains=value)))
    else:
        bill_number = Q(pk__in=billed)
    return device_search(queryset, value, also=bill_number)


class _DeviceSearchMixin(django_filters.FilterSet):
    q = search_filter("Job/bill no., phone, name, serial, model")
    technician = technician_filter()

    def search(self, queryset, name, value):
        return search_devices(queryset, value)


class _BalanceMixin(django_filters.FilterSet):
    balance = django_filters.ChoiceFilter(
        label="Balance",
        choices=[("due", "Balance due"), ("paid", "Paid in full")],
        empty_label="Any balance",
        method="filter_balance",
    )

    def filter_balance(self, queryset, name, value):
        if value == "due":
            return queryset.filter(balance_due_q())
        if value == "paid":
            # Billed and settled: a device handed back with no bill at all is not "paid".
            live_bill = Bill.objects.filter(device=OuterRef("pk")).exclude(status=BillStatus.VOID)
            return queryset.filter(Exists(live_bill)).exclude(balance_due_q())
        return queryset


class ClosedDeviceFilter(_BalanceMixin, _DeviceSearchMixin):
    STATUS_CHOICES = [
        (Device.Status.READY, "Ready (delivery pending)"),
        (Device.Status.DELIVERED, "Delivered"),
        (Device.Status.RETURNED, "Returned unrepaired"),
    ]
    status = django_filters.ChoiceFilter(
        label="Status", choices=STATUS_CHOICES, empty_label="Any status"
    )
    # Bounded: SQLite cannot compare an id past 64 bits (OverflowError); such a value is
    # refused by the form and the filter ignored.
    customer = django_filters.NumberFilter(
        field_name="customer_id", widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )
    closed_after = DayFromFilter(field_name="closed_at", label="Closed from", widget=DATE)
    closed_before = DayToFilter(field_name="closed_at", label="Closed to", widget=DATE)

    class Meta:
        model = Device
        # "Balance due" with "Delivered" or "Returned": money still owed on devices already
        # handed back, which no other list shows.
        fields = [
            "q",
            "status",
            "technician",
            "balance",
            "customer",
            "closed_after",
            "closed_before",
        ]
        form = DateRangeForm


class DeliveryFilter(_BalanceMixin, _DeviceSearchMixin):
    # Waiting since: "ready from 1 Nov to 10 Nov" finds the ones not collected for weeks.
    ready_after = DayFromFilter(field_name="ready_at", label="Ready from", widget=DATE)
    ready_before = DayToFilter(field_name="ready_at", label="Ready to", widget=DATE)

    class Meta:
        model = Device
        fields = ["q", "technician", "balance", "ready_after", "ready_before"]
        form = DateRangeForm


def paid_for_q(value: str, *, payment: str = "") -> Q:
    """Money of the devices a search finds (job number, bill number, WhatsApp number,
    customer name, serial), or of a payment whose reference holds the text (a UPI or card
    reference read off the customer's phone). ``payment``: the path from the rows filtered
    to that payment ("" for payments, "reverses__" for refunds, whose reversals of a payment
    found by its reference must be netted off with it)."""
    value = (value or "").strip()
    if not value:
        return Q()
    return Q(device__in=search_devices(Device.objects.all(), value).values("pk")) | Q(
        **{f"{payment}reference__icontains": value}
    )


class PaymentFilter(django_filters.FilterSet):
    q = search_filter("Job no., bill no., WhatsApp, name or reference")
    received_after = DayFromFilter(field_name="received_at", label="Received from", widget=DATE)
    received_before = DayToFilter(field_name="received_at", label="Received to", widget=DATE)
    mode = django_filters.ChoiceFilter(
        label="Mode", choices=Payment.Mode.choices, empty_label="Any mode"
    )
    # One job's payments (the bill page links here for a manager to reverse one). Bounded as
    # the history's customer filter is.
    device = django_filters.NumberFilter(
        field_name="device_id", widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )

    class Meta:
        model = Payment
        fields = ["q", "received_after", "received_before", "mode", "device"]
        form = DateRangeForm

    def search(self, queryset, name, value):
        return queryset.filter(paid_for_q(value))


def refunds_in(refunds, data: dict):
    """The refunds of the search, period and mode a ``PaymentFilter`` was given (for its
    totals)."""
    if data.get("q"):
        refunds = refunds.filter(paid_for_q(data["q"], payment="reverses__"))
    if data.get("received_after"):
        refunds = refunds.filter(refunded_at__gte=day_start(data["received_after"]))
    if data.get("received_before"):
        refunds = refunds.filter(refunded_at__lt=day_end(data["received_before"]))
    if data.get("mode"):
        refunds = refunds.filter(mode=data["mode"])
    if data.get("device"):
        refunds = refunds.filter(device_id=data["device"])
    return refunds
