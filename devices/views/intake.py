from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from billing.models import PaymentMode
from customers.forms import details_kept
from customers.models import Customer
from customers.selectors import customer_lookup_context
from telite.forms_util import add_service_errors
from telite.permissions import STAFF, role_required

from ..forms import DEVICE_TYPES, IntakeForm
from ..models import Device
from ..notify import message_kinds
from ..selectors import device_advances
from ..services import IntakeAlreadyDone, default_due_date, device_intake


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def add_device(request):
    """Every role: take a device in (customer found by number or created, all or nothing)."""
    files_dropped = False
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                device = device_intake(
                    by=request.user,
                    customer=form.customer_data(),
                    device=form.device_data(),
                    photos=form.cleaned_data["photos"],
                    advance=form.advance_data(),
                    intake_key=form.cleaned_data["intake_key"],
                )
            except IntakeAlreadyDone as done:
                messages.info(
                    request,
                    f"This form was already sent: {done.device.job_number} was taken in from "
                    "it. Nothing new was added.",
                )
                return redirect("devices:slip", pk=done.device.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{device.job_number} taken in for {device.customer.name}. "
                    "Print the slip for the customer.",
                )
                if kept := details_kept(device.customer, form.customer_data()):
                    messages.info(
                        request,
                        f"The {' and '.join(kept)} on file for {device.customer.name} were "
                        "kept, not the ones typed; a manager can change them in the back "
                        "office.",
                    )
                return redirect("devices:slip", pk=device.pk)
        files_dropped = bool(request.FILES)
        lookup = customer_lookup_context(request.POST.get("whatsapp_number", ""))
        lookup_filled = request.POST.get("lookup_filled", "")
    else:
        initial = {
            "intake_key": IntakeForm.new_key(),
            "expected_delivery_date": default_due_date(),
            "advance_mode": PaymentMode.CASH,
        }
        lookup, lookup_filled = None, ""
        customer = _customer_from_query(request)
        if customer is not None:
            initial.update(
                whatsapp_number=customer.whatsapp_display,
                name=customer.name,
                location=customer.location,
                email=customer.email,
            )
            lookup = customer_lookup_context(customer.whatsapp_number)
            lookup_filled = customer.whatsapp_number
        form = IntakeForm(initial=initial)
    if lookup and lookup["state"] == "existing":
        form.show_on_file(lookup["customer"])
    return render(
        request,
        "devices/intake.html",
        {
            "form": form,
            "lookup": lookup,
            "lookup_filled": lookup_filled,
            "device_types": DEVICE_TYPES,
            "files_dropped": files_dropped,
        },
    )


def _customer_from_query(request):
    raw = request.GET.get("customer", "")
    if not raw:
        return None
    if not raw.isdecimal():
        return None
    customer = Customer.objects.filter(pk=int(raw)).first()
    if customer is None:
        messages.warning(request, "That customer no longer exists; enter the customer's number.")
    return customer


@role_required(STAFF)
@require_GET
def intake_slip(request, pk):
    """Every role: the printable intake slip / job sheet (SPEC §6)."""
    device = get_object_or_404(
        Device.objects.select_related("customer", "added_by", "assigned_to"), pk=pk
    )
    advances = device_advances(device)
    return render(
        request,
        "devices/slip.html",
        {
            "device": device,
            "advances": advances,
            "advance_total": sum((p.amount for p in advances), Decimal("0.00")),
            "messages_to_send": message_kinds(device),
        },
    )
