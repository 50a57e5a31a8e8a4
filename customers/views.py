from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from billing.selectors import live_bills_prefetch, unbilled_by_device
from devices.models import Device
from telite.forms_util import asks_for_filters
from telite.permissions import STAFF, role_required

from .filters import CustomerFilter
from .forms import CustomerContactForm
from .selectors import attach_money_totals, customer_lookup_context, customers_with_counts

PAGE_SIZE = 25
DETAIL_DEVICES = 50


@role_required(STAFF)
@require_GET
def customer_list(request):
    """Every role: customers with device counts and money, searchable by name or number."""
    filterset = CustomerFilter(
        request.GET, queryset=customers_with_counts().order_by("name", "pk"), request=request
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    attach_money_totals(page.object_list)
    return render(
        request,
        "customers/customer_list.html",
        {
            "filter": filterset,
            "page": page,
            "filtered": asks_for_filters(request),
            "date_fields": [filterset.form["added_after"], filterset.form["added_before"]],
        },
    )


@role_required(STAFF)
@require_GET
def customer_detail(request, pk):
    """Every role: one customer, their devices and what they owe."""
    customer = get_object_or_404(customers_with_counts(), pk=pk)
    attach_money_totals([customer])
    devices = list(
        Device.objects.filter(customer=customer)
        .select_related("assigned_to")
        # Each device's live bill (number, total, balance): which job owes the balance.
        .prefetch_related(live_bills_prefetch())
        .order_by("-received_at", "-pk")[:DETAIL_DEVICES]
    )
    held = unbilled_by_device(d.pk for d in devices)
    for d in devices:
        d.advance_held = held.get(d.pk)
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "devices": devices,
            "more_devices": customer.device_count > DETAIL_DEVICES,
        },
    )


@role_required(STAFF)
@require_GET
def customer_lookup(request):
    """Every role: the intake form's look-up as the WhatsApp number is typed (htmx partial).

    Fills the name, location and email of a customer we know (out-of-band swaps) and says
    "Existing customer: N devices" or "New customer".
    """
    context = customer_lookup_context(request.GET.get("whatsapp_number", ""))
    filled_for = request.GET.get("lookup_filled", "")
    if context["state"] == "existing":
        if filled_for != context["canonical"]:
            context["fill_form"] = CustomerContactForm.for_customer(context["customer"])
            context["filled_for"] = context["canonical"]
    elif filled_for:
        # The number changed away from a customer whose details we filled in: take them out
        # again, so a new customer is not saved under someone else's name.
        context["fill_form"] = CustomerContactForm()
        context["filled_for"] = ""
    return render(request, "customers/_lookup.html", context)
