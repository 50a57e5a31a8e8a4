"""What is done to a device at the counter: close the repair, take a payment, deliver,
return unrepaired, reopen. Each view states its role rule in its decorator (SPEC §5);
the rules on states and money are in ``billing.services``."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from devices.models import Device
from telite.forms_util import form_error_text
from telite.money import format_money
from telite.permissions import (
    MANAGERS,
    STAFF,
    can_edit_service,
    is_manager,
    post_only,
    role_required,
)
from telite.urls_util import is_id, split_sent_url

from .. import services
from ..forms import CloseDeviceForm, DeliverForm, PaymentForm, ReopenForm, ReturnForm
from ..models import Refund
from ..selectors import device_money, live_bill, told_ready_at
from .common import device_page, get_device, int_or_404, redirect_next, safe_next
from .lists import delivery_summary
from .rows import delivery_row


def close_initial(device: Device, void, total, refund_mode=None) -> dict:
    """The close form as it opens: the total it was opened on, the advance's mode for a
    refund, and after a reopen the voided bill's discount filled in."""
    initial = {"device": device.pk, "expected_total": total}
    if refund_mode:
        initial["refund_mode"] = refund_mode
    if void is not None and void.discount:
        initial["discount"] = void.discount
    return initial


def actions_context(request, device: Device, **forms) -> dict:
    """Everything ``billing/_device_actions_panel.html`` needs for one device and user."""
    money = device_money(device)
    bill = money["bill"]
    status = device.status
    manager = is_manager(request.user)
    balance = bill.balance if bill else None
    can_pay = (bill is not None and balance > 0) or (bill is None and status in Device.OPEN)
    can_close = status == Device.Status.ASSIGNED
    # Reopened: the voided bill's extra charges and discount go onto the next one.
    void = services.last_void_bill(device) if can_close else None
    close_total = services.service_total(device, void) if can_close else None
    held = money["advance_held"]
    # Offer "refund the difference" only when the advance is more than the work so far.
    offer_refund = can_close and held > 0 and held > close_total
    # A refund (closing below the advance, or returning) goes back the way the advance
    # came, unless the clerk picks another mode.
    advance_mode = services.advance_mode(device) if status in Device.OPEN and held > 0 else None
    limit = services.staff_discount_limit(device, request.user) if can_close else None
    return {
        "close_total": close_total,
        # Staff see how far their discount may go (the shop's setting).
        "discount_limit": limit,
        "advance_mode": advance_mode,
        "request": request,
        "device": device,
        "bill": bill,
        "advance_held": held,
        "is_manager": manager,
        # Money held or received: a manager can open the job's payments to reverse one.
        "has_payments": held > 0 or (bill is not None and bill.amount_received > 0),
        "can_close": can_close,
        "offer_refund": offer_refund,
        # Nothing recorded to bill: the panel warns and asks to confirm a ₹0 bill.
        "zero_bill": can_close and close_total == 0,
        # Who records the labour and parts, so "add them first" is said only to them.
        "can_edit": can_edit_service(request.user, device),
        "can_return": status in Device.OPEN,
        "can_deliver": status == Device.Status.READY and bill is not None,
        "can_reopen": manager and status == Device.Status.READY,
        "can_pay": can_pay,
        "can_correct": manager and bill is not None,
        "payment_form": forms.get("payment_form")
        or PaymentForm(initial={"amount": balance if balance else None}),
        "close_form": forms.get("close_form")
        or CloseDeviceForm(initial=close_initial(device, void, close_total, advance_mode)),
        "void_bill": void,
        "carried_on_close": services.carried_charges(void),
        # Reopening carries these to the next bill: said before the manager reopens.
        "carried_on_reopen": services.carried_charges(bill)
        if manager and status == Device.Status.READY
        else [],
        "deliver_form": forms.get("deliver_form") or DeliverForm(),
        "return_form": forms.get("return_form")
        or ReturnForm(manager=manager, initial={"refund_mode": advance_mode}),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "back": device_page(device),
    }


def delivery_row_context(device: Device, **extra) -> dict:
    bill = live_bill(device)
    if not hasattr(device, "told_at"):
        device.told_at = told_ready_at(device)
    return {
        "rows": [delivery_row(device, bill)],
        # The row's payment form only when it is opened: the list renders none.
        "payment_form": extra.get("payment_form")
        or (
            PaymentForm(initial={"amount": bill.balance if bill and bill.balance else None})
            if extra.get("open_payment")
            else None
        ),
        "open_payment": extra.get("open_payment", False),
        "message": extra.get("message"),
        "refusal": extra.get("refusal"),
    }


def _close_page(request):
    """Where /close_device opened as a page goes: the device it names, else the devices."""
    device = request.GET.get("device", "")
    if is_id(device) and Device.objects.filter(pk=device).exists():
        return reverse("devices:service", args=[device])
    return reverse("devices:device_list")


@role_required(STAFF)
@post_only(_close_page)
def close_device(request):
    """Staff, managers, admins: the repair is done; issue the bill (device id in the form).

    Refused (the form again, with the reason next to the field): a device not in repair,
    a discount above the bill, advances above the bill without "refund the difference".
    """
    device = get_device(int_or_404(request.POST.get("device")))
    form = CloseDeviceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            bill = services.bill_close(
                device=device,
                by=request.user,
                discount=data["discount"] or 0,
                refund_excess=data["refund_excess"],
                refund_mode=data["refund_mode"] or "cash",
                allow_zero=data["allow_zero"],
                expected_total=data["expected_total"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _closed_message(device, bill))
            return redirect("billing:print_bill", device.pk)
    context = actions_context(request, device, close_form=form)
    context["preview_lines"] = services.service_lines_preview(device, context["void_bill"])
    context["preview_total"] = sum((line["amount"] for line in context["preview_lines"]), 0)
    if form.has_error(NON_FIELD_ERRORS, code="stale"):
        # Shown again with the total as it is now: sent again, it closes on that.
        form.data = form.data.copy()
        form.data["expected_total"] = str(context["preview_total"])
    # With the discount typed, the advance may now be more than the bill: offer the refund
    # the refusal asks for (the panel could not know the discount beforehand).
    discount = (form.cleaned_data.get("discount") if hasattr(form, "cleaned_data") else 0) or 0
    after_discount = context["preview_total"] - min(discount, context["preview_total"])
    held = context["advance_held"]
    if context["can_close"] and held > 0 and held > after_discount:
        context["offer_refund"] = True
        if not form.data.get("refund_mode"):
            form.data = form.data.copy()
            form.data["refund_mode"] = context["advance_mode"]
    return render(request, "billing/close_device.html", context)


def _closed_message(device, bill) -> str:
    said = (
        f"Repair closed. Bill {bill.number} issued for {format_money(bill.bill_value)}; "
        f"{device.job_number} is ready for delivery."
    )
    refunds = bill.refunds.filter(refunded_at__gte=bill.issued_at)
    return said + _hand_back(refunds, "the advance was more than the bill")


def _hand_back(refunds, why: str) -> str:
    """What the clerk must give back for the refunds just recorded: the books say the money
    went out, so the counter is told to hand it over."""
    return "".join(
        f" Hand {format_money(refund.amount)} back to the customer "
        f"({refund.get_mode_display()}): {why}."
        for refund in refunds
    )


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def take_payment(request, pk):
    """Staff, managers, admins: money for a device (an advance, or on its bill).

    htmx posts (from the delivery list or the device's action panel) get the updated
    fragment back; plain posts redirect, or show the form again with the error.
    """
    device = get_device(pk)
    target = request.POST.get("ctx") or request.GET.get("ctx") or ""
    # On GET the form comes from actions_context, with the balance due filled in.
    form = PaymentForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.payment_record(
                device=device,
                amount=data["amount"],
                mode=data["mode"],
                reference=data["reference"],
                by=request.user,
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            text = (
                f"{format_money(payment.amount)} received for {device.job_number} "
                f"({payment.get_mode_display()})."
            )
            if request.htmx and target in ("row", "panel"):
                return _payment_fragment(request, device, target, message=text)
            messages.success(request, text)
            return redirect_next(request, device_page(device))
    # Refused: said in full wherever the form is no longer offered (someone settled the
    # bill or handed the device back meanwhile), so nobody wonders whether it was taken.
    refusal = (
        "Nothing was recorded. " + form_error_text(form) if form is not None and form.errors else ""
    )
    if request.htmx and target in ("row", "panel"):
        # A POST refused (the form again, with the reason), or a GET opening the form
        # ("Take payment" on the delivery list fetches the row with its form).
        return _payment_fragment(
            request, device, target, payment_form=form, open_payment=True, refusal=refusal
        )
    context = actions_context(request, device, payment_form=form)
    context["next"] = safe_next(request, device_page(device))
    context["refusal"] = refusal
    return render(request, "billing/take_payment.html", context)


def _query_of(url: str | None) -> str:
    """The query string of the page htmx says it is on (a header the browser sends, so
    anything may come: a malformed address gives no filters rather than an error after the
    payment was saved)."""
    return split_sent_url(url).query


def _payment_fragment(request, device, target, **extra) -> HttpResponse:
    if target == "row":
        html = render_to_string(
            "billing/_delivery_rows.html",
            {**delivery_row_context(device, **extra), "is_manager": is_manager(request.user)},
            request=request,
        )
        if request.method == "GET":
            return HttpResponse(html)  # only the form opened: nothing else changed
        # The summary cards above the list change with the payment too: swap them
        # out-of-band, totalled over the filters of the page the clerk is looking at.
        page_filters = QueryDict(_query_of(request.htmx.current_url))
        html += render_to_string(
            "billing/_delivery_totals.html",
            {**delivery_summary(page_filters), "oob": True},
            request=request,
        )
    else:
        payment_form = extra.get("payment_form")
        context = actions_context(
            request, device, **({"payment_form": payment_form} if payment_form else {})
        )
        context["message"] = extra.get("message")
        context["refusal"] = extra.get("refusal")
        context["open_payment"] = extra.get("open_payment", False)
        html = render_to_string("billing/_device_actions_panel.html", context, request=request)
    return HttpResponse(html)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def deliver(request, pk):
    """Staff, managers, admins: hand a ready device over. With a balance due only a
    manager or admin may, ticking "deliver with balance due" and giving a reason."""
    device = get_device(pk)
    form = DeliverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.delivery_complete(
                device=device,
                by=request.user,
                allow_balance_due=data["allow_balance_due"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"{device.job_number} delivered to {device.customer.name}.")
            return redirect_next(request, reverse("billing:delivery_ready"))
    context = actions_context(request, device, deliver_form=form)
    context["next"] = safe_next(request, reverse("billing:delivery_ready"))
    return render(request, "billing/deliver.html", context)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def return_device(request, pk):
    """Staff, managers, admins: hand a device back unrepaired, with a reason and an
    optional inspection charge (billed on its own bill); advances above it are refunded."""
    device = get_device(pk)
    form = ReturnForm(
        request.POST or None,
        manager=is_manager(request.user),
        initial={"refund_mode": services.advance_mode(device)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        started = timezone.now()
        try:
            bill = services.return_unrepaired(
                device=device,
                by=request.user,
                reason=data["reason"],
                inspection_charge=data["inspection_charge"] or 0,
                refund_mode=data["refund_mode"],
                allow_balance_due=data.get("allow_balance_due", False),
                balance_reason=data.get("balance_reason", ""),
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            text = f"{device.job_number} returned unrepaired."
            if bill is not None:
                text += f" Bill {bill.number} issued for {format_money(bill.bill_value)}."
            refunds = Refund.objects.filter(
                device=device, reverses__isnull=True, refunded_at__gte=started
            ).order_by("pk")
            text += _hand_back(
                refunds,
                "the advance was more than the inspection charge"
                if bill
                else "nothing is charged, so the advance goes back",
            )
            if bill is not None:
                messages.success(request, text)
                return redirect("billing:print_bill", device.pk)
            messages.success(request, text)
            return redirect_next(request, device_page(device))
    context = actions_context(request, device, return_form=form)
    return render(request, "billing/return_device.html", context)


@role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def reopen(request, pk):
    """Managers and admins: send a ready device back to the workshop; its bill is voided
    with the reason, and a new one is issued when the repair is closed again."""
    device = get_device(pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_device(
                device=device, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                f"{device.job_number} reopened and back with "
                f"{device.assigned_to}; "
                "its bill is void.",
            )
            return redirect(device_page(device))
    context = actions_context(request, device, reopen_form=form)
    return render(request, "billing/reopen.html", context)
