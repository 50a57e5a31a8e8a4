"""The bill: the printable delivery challan, its PDF, and a manager's correction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from telite.permissions import MANAGERS, STAFF, is_manager, role_required

from .. import services
from ..forms import BillCorrectionForm
from ..models import Bill
from ..pdf import bill_pdf_bytes, stored_bill_pdf
from ..selectors import bill_for_device, bill_row_for_device, shop_settings


def bill_context(bill: Bill) -> dict:
    """What ``billing/_bill_document.html`` prints, for the page and the PDF alike."""
    device = bill.device
    return {
        "bill": bill,
        "device": device,
        "customer": device.customer,
        "lines": list(bill.lines.all()),
        "payments": list(bill.payments.all()),
        "refunds": list(bill.refunds.all()),
        "changes": list(bill.changes.all()),
        "shop": shop_settings(),
    }


def _bill_or_404(pk) -> Bill:
    bill = bill_for_device(pk)
    if bill is None:
        raise Http404("This device has no bill yet.")
    return bill


@role_required(STAFF)
def print_bill(request, pk):
    """Staff, managers, admins: the device's bill (``pk`` is the device id) as a print-ready
    delivery challan; its latest void bill, marked VOID, when it has no live one."""
    bill = _bill_or_404(pk)
    context = bill_context(bill)
    context["can_correct"] = is_manager(request.user) and not bill.is_void
    return render(request, "billing/bill_page.html", context)


@role_required(STAFF)
def bill_pdf(request, pk):
    """Staff, managers, admins: the same bill as a PDF download, rendered once per version."""
    # The bill's row alone first: an unchanged bill's stored PDF needs nothing else.
    row = bill_row_for_device(pk)
    if row is None:
        raise Http404("This device has no bill yet.")
    data = stored_bill_pdf(row)
    if data is None:
        bill = _bill_or_404(pk)
        data, _cached = bill_pdf_bytes(bill, bill_context(bill))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{row.pdf_filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def correct_bill(request, pk):
    """Managers and admins: change an issued bill (discount, extra charges, notes) with a
    reason; the change is recorded on the bill and the device timeline."""
    bill = get_object_or_404(
        Bill.objects.select_related("device__customer").prefetch_related(
            "lines", "changes__changed_by"
        ),
        pk=pk,
    )
    if bill.is_void:
        messages.error(request, f"Bill {bill.number} is void; it cannot be changed.")
        return redirect("billing:print_bill", bill.device_id)
    form = BillCorrectionForm(request.POST or None, bill=bill)
    if request.method == "POST" and form.is_valid():
        try:
            services.bill_correct(bill=bill, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Bill {bill.number} changed; the change is recorded.")
            return redirect("billing:print_bill", bill.device_id)
    return render(
        request,
        "billing/correct_bill.html",
        {"bill": bill, "device": bill.device, "form": form, "changes": bill.changes.all()},
    )
