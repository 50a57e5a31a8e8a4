"""The device list's filters: the query parameters other pages link with.

``/devices/?q=&status=&technician=<id>&customer=<id>&received_after=YYYY-MM-DD
&received_before=YYYY-MM-DD&overdue=1&in_shop=1&mine=1``
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from telite.forms_util import (
    DateRangeForm,
    DayFromFilter,
    DayToFilter,
    ListedModelChoiceFilter,
    search_filter,
)
from telite.phone import phone_search_q
from telite.trigram import all_words_q

from .forms import DateInput
from .models import Device, DeviceStatus

# Past this many matching customers a term is too common for an index to help: the search
# falls back to one query over the join.
SEARCH_ID_LIMIT = 5000


def ids_or_none(queryset, field: str = "pk") -> list | None:
    """The values of ``field`` in ``queryset`` when there are at most SEARCH_ID_LIMIT."""
    ids = list(queryset.order_by().values_list(field, flat=True)[: SEARCH_ID_LIMIT + 1])
    return None if len(ids) > SEARCH_ID_LIMIT else ids


def device_search(queryset, value: str, *, also: Q | None = None):
    """Job number, WhatsApp number in any written form, customer name, serial number,
    brand and model ("dell 3511" finds a Dell Inspiron 3511), and whatever ``also`` adds
    (billing adds the bill number).

    Customers are looked up first, on their own table (trigram indexes on PostgreSQL),
    so that the device query is an OR of indexed device conditions and
    ``customer_id IN (...)``. An OR across the customer join can use no index and reads
    every device ever taken in.
    """
    from customers.models import Customer

    value = (value or "").strip()
    if not value:
        return queryset
    customer_q = all_words_q("name", value)
    phone = phone_search_q(value, "whatsapp_number")
    if phone is not None:
        customer_q |= phone
    customers = ids_or_none(Customer.objects.filter(customer_q))
    if customers is None:
        by_customer = all_words_q("customer__name", value)
        phone = phone_search_q(value, "customer__whatsapp_number")
        if phone is not None:
            by_customer |= phone
    else:
        by_customer = Q(customer_id__in=customers)
    query = (
        Q(job_number__icontains=value)
        | Q(serial_number__icontains=value)
        | by_customer
        | brand_or_model_q(value)
    )
    if also is not None:
        query |= also
    return queryset.filter(query)


def brand_or_model_q(value: str) -> Q:
    """Every word of ``value`` in the device's brand or its model, in any order: "hp
    pavilion", "pavilion 15", "ThinkPad". Each word is one ``icontains`` per column, which
    the trigram indexes serve on PostgreSQL."""
    found = Q()
    for word in value.split():
        found &= Q(brand__icontains=word) | Q(model__icontains=word)
    return found


def technician_filter(**kwargs) -> ListedModelChoiceFilter:
    """The filter bars' "Technician" (device list, delivery list, closed history): every
    technician, those still working first; a job's technician may since have left."""
    return ListedModelChoiceFilter(
        field_name="assigned_to",
        label="Technician",
        empty_label="Any technician",
        options_key="technicians",
        queryset=get_user_model()
        .objects.filter(is_technician=True)
        .order_by("-is_active", "first_name", "username"),
        **kwargs,
    )


class FlagFilter(django_filters.Filter):
    """``?overdue=1``: on when the value is 1/true/on; its method ignores anything else."""

    field_class = forms.BooleanField


class DeviceFilter(django_filters.FilterSet):
    q = search_filter("Job/bill no., phone, name, serial, model")
    status = django_filters.ChoiceFilter(
        choices=DeviceStatus.choices,
        empty_label="Any status",
        label="Status",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    technician = technician_filter(widget=forms.Select(attrs={"class": "form-select"}))
    # Bounded: SQLite cannot compare an id past 64 bits (OverflowError); such a value is
    # refused by the form and the filter ignored.
    customer = django_filters.NumberFilter(
        field_name="customer_id", widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )
    received_after = DayFromFilter(
        field_name="received_at", label="Received from", widget=DateInput
    )
    received_before = DayToFilter(field_name="received_at", label="Received to", widget=DateInput)
    overdue = FlagFilter(method="only_overdue", label="Overdue only")
    in_shop = FlagFilter(method="only_in_shop", label="In the shop only")
    mine = FlagFilter(method="only_mine", label="My jobs only")

    class Meta:
        model = Device
        fields = []
        form = DateRangeForm

    def search(self, queryset, name, value):
        # A bill number ("TB/2026-27/00042") has slashes, which nothing else searched
        # here has: only then are bills looked up too (one indexed query more).
        if "/" in (value or ""):
            from billing.filters import search_devices

            return search_devices(queryset, value)
        return device_search(queryset, value)

    def only_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            status__in=Device.OPEN, expected_delivery_date__lt=timezone.localdate()
        )

    def only_in_shop(self, queryset, name, value):
        # What a customer's "in the shop" count counts (Device.IN_SHOP).
        return queryset.filter(status__in=Device.IN_SHOP) if value else queryset

    def only_mine(self, queryset, name, value):
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        return queryset.filter(assigned_to=user)


class UnassignedFilter(DeviceFilter):
    """The assignment list (all received, none assigned): search, customer, received dates."""

    status = None
    technician = None
    overdue = None
    in_shop = None
    mine = None


class OverdueFilter(DeviceFilter):
    """The overdue list (all late by definition): search, technician, customer, dates."""

    status = None
    overdue = None
    in_shop = None
    mine = None
