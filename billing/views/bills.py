"""The bill: the printable delivery challan, its PDF, and a manager's correction."""

import mimetypes

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from devices.models import Device
from telite.money import format_money
from telite.permissions import MANAGERS, STAFF, is_manager, role_required

from .. import services
from ..forms import BillCorrectionForm, ReversePaymentForm
from ..models import Bill, Payment, ShopSettings
from ..pdf import bill_pdf_bytes, stored_bill_pdf
from ..selectors import (
    bill_for_device,
    bill_row_for_device,
    printed_details_stamp,
    shop_settings,
)
from .common import safe_next


def bill_context(bill: Bill) -> dict:
    """What ``billing/_bill_document.html`` prints, for the page and the PDF alike."""
    device = bill.device
    return {
        "bill": bill,
        "device": device,
        "customer": device.customer,
        "lines": list(bill.lines.all()),
        # The customer's copy shows the payments that stand: a payment entered by mistake
        # and its reversal (with the manager's reason) stay on the timeline and the
        # payments list, not on the bill (its amount received already leaves them out).
        "payments": [p for p in bill.payments.all() if not hasattr(p, "reversal")],
        "refunds": [r for r in bill.refunds.all() if not r.is_reversal],
        "changes": list(bill.changes.all()),
        "shop": shop_settings(),
    }


def _bill_or_404(pk) -> Bill:
    bill = bill_for_device(pk)
    if bill is None:
        raise Http404("This device has no bill yet.")
    return bill


# A day: a key never goes stale (it names what the page shows), this only frees memory.
BILL_SHEET_SECONDS = 24 * 3600


def _sheet_key(bill: Bill, shop) -> str:
    """What the bill page's body depends on: the bill's version (it moves with every
    payment, refund, correction, void and delivery, and when a person it names is renamed)
    and the details it prints besides (``printed_details_stamp``)."""
    return f"bill-sheet:{bill.pk}:{bill.version}:{printed_details_stamp(bill, shop)}"


def bill_sheet_html(request, row: Bill) -> str:
    """The bill page's body (document and change record) for ``row``, rendered once per
    version of what it prints.

    A bill is read far more often than it changes (the counter, the owner, the customer on
    the phone); rendering it is five queries and the longest template of the app.
    """
    key = _sheet_key(row, shop_settings())
    html = cache.get(key)
    if html is None:
        bill = _bill_or_404(row.device_id)
        html = render_to_string("billing/_bill_sheet.html", bill_context(bill), request=request)
        if (bill.pk, bill.version) == (row.pk, row.version):  # not changed in between
            cache.set(key, html, BILL_SHEET_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, kept server-side


@role_required(STAFF)
def print_bill(request, pk):
    """Staff, managers, admins: the device's bill (``pk`` is the device id) as a print-ready
    delivery challan; its latest void bill, marked VOID, when it has no live one."""
    bill = bill_row_for_device(pk, with_device=True)
    if bill is None:
        raise Http404("This device has no bill yet.")
    context = {
        "bill": bill,
        "device": bill.device,
        "sheet": bill_sheet_html(request, bill),
        "can_correct": is_manager(request.user) and not bill.is_void,
        # Managers reverse a payment entered by mistake from the job's payments list (a
        # link: the bill page itself reads nothing more).
        "can_reverse": is_manager(request.user) and bill.amount_received > 0,
    }
    return render(request, "billing/bill_page.html", context)


@role_required(STAFF)
def bill_pdf(request, pk):
    """Staff, managers, admins: the same bill as a PDF download, rendered once per version."""
    # The bill's row (with its device and customer) first: an unchanged bill's stored PDF
    # needs nothing else.
    row = bill_row_for_device(pk, with_device=True)
    if row is None:
        raise Http404("This device has no bill yet.")
    data = stored_bill_pdf(row, printed_details_stamp(row, shop_settings()))
    if data is None:
        bill = _bill_or_404(pk)
        data, _cached = bill_pdf_bytes(bill, bill_context(bill))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{row.pdf_filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _bill_to_correct(pk) -> Bill:
    return get_object_or_404(
        Bill.objects.select_related("device__customer").prefetch_related(
            "lines", "changes__changed_by"
        ),
        pk=pk,
    )


@role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def correct_bill(request, pk):
    """Managers and admins: change an issued bill (discount, extra charges, notes) with a
    reason; the change is recorded on the bill and the device timeline."""
    bill = _bill_to_correct(pk)
    if bill.is_void:
        messages.error(request, f"Bill {bill.number} is void; it cannot be changed.")
        return redirect("billing:print_bill", bill.device_id)
    form = BillCorrectionForm(request.POST or None, bill=bill)
    if request.method == "POST" and form.is_valid():
        balance_before = bill.balance
        try:
            corrected = services.bill_correct(bill=bill, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            if getattr(exc, "code", None) == "stale":
                # Shown as it is now, the form keeping what was typed, ready to send again.
                bill = _bill_to_correct(pk)
                data = request.POST.copy()
                data["version"] = bill.version
                form = BillCorrectionForm(data, bill=bill)
                form.is_valid()
            form.add_service_error(exc)
        else:
            messages.success(request, f"Bill {bill.number} changed; the change is recorded.")
            raised = corrected.balance > max(balance_before, 0)
            if raised and bill.device.status in Device.TERMINAL:
                # The device is gone: nothing at the counter will ask for the new money.
                messages.warning(
                    request,
                    f"{bill.device.job_number} was already handed back: "
                    f"{bill.device.customer.name} now owes {format_money(corrected.balance)} "
                    "on this bill. Take it with “Take payment” on the device's page.",
                )
            return redirect("billing:print_bill", bill.device_id)
    return render(
        request,
        "billing/correct_bill.html",
        {"bill": bill, "device": bill.device, "form": form, "changes": bill.changes.all()},
    )


@role_required(STAFF)
@require_GET
def shop_logo(request):
    """Logged-in staff: the shop's logo for the bill page, streamed by the app (uploaded
    files have no public URL). The PDF reads the same file from disk (``billing/pdf.py``)."""
    logo = shop_settings().logo
    asked_for = request.GET.get("v")
    if asked_for and asked_for != logo.name:
        # A page rendered by another worker names a logo this one's copy of the settings
        # (up to a minute old) does not know yet: read the row itself.
        logo = ShopSettings.objects.get_or_create(pk=1)[0].logo
    if not logo:
        raise Http404("The shop has no logo.")
    try:
        handle = logo.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("The logo file is missing.") from exc
    content_type = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    # The bill names the logo with its file name (?v=), which a new upload changes: kept a
    # day when it is the one asked for, never under a name it does not have.
    current = asked_for == logo.name
    response["Cache-Control"] = "private, max-age=86400" if current else "private, no-cache"
    return response


@role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def reverse_payment(request, pk):
    """Managers and admins: take back a payment entered by mistake, with a reason
    (``services.payment_reverse``); the right payment is then taken as usual."""
    payment = get_object_or_404(
        Payment.objects.select_related("device__customer", "bill", "received_by", "reversal"),
        pk=pk,
    )
    back = safe_next(request, reverse("devices:service", args=[payment.device_id]))
    form = ReversePaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_reverse(
                payment=payment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                f"The {format_money(payment.amount)} {payment.get_mode_display()} payment for "
                f"{payment.device.job_number} is reversed. Take the right payment now, if there "
                "is one.",
            )
            if payment.bill_id and payment.device.status in Device.TERMINAL:
                # The device is gone: nothing at the counter will ask for this money again.
                messages.warning(
                    request,
                    f"{payment.device.job_number} was already handed back: "
                    f"{payment.device.customer.name} now owes this money on bill "
                    f"{payment.bill.number} unless the right payment is taken now.",
                )
            return redirect(back)
    reversal = payment.reversal if hasattr(payment, "reversal") else None
    # Say before the manager writes a reason, not after, when the payment cannot be taken back.
    refused = None
    if reversal is None:
        refused = services.payment_reversal_refusal(
            payment, bill=payment.bill, device=payment.device
        )
    return render(
        request,
        "billing/reverse_payment.html",
        {
            "payment": payment,
            "device": payment.device,
            "form": form,
            "reversal": reversal,
            "refused": refused.messages[0] if refused else "",
            "back": back,
        },
    )
