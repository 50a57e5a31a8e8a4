import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from customers.models import Customer
from telite.forms_util import options_html
from telite.pagination import CappedPaginator
from telite.permissions import MANAGERS, STAFF, has_role, role_required

from ..filters import DeviceFilter
from ..forms import AssignForm, ReassignForm
from ..models import Device
from ..selectors import (
    active_technicians,
    devices_for_lists,
    mine_first,
    overdue_devices,
    unassigned_devices,
)
from ..workflow import device_assign as workflow_assign
from ..workflow import device_reassign
from .common import add_service_errors, error_text

PAGE_SIZE = 25


@role_required(STAFF)
@require_GET
def device_list(request):
    """Every role: all devices, filtered and searched; a technician's own jobs first."""
    queryset = mine_first(devices_for_lists(), request.user, "-received_at", "-pk")
    filterset = DeviceFilter(request.GET, queryset=queryset, request=request)
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    customer = None
    customer_id = request.GET.get("customer", "")
    if customer_id.isdecimal():
        customer = Customer.objects.filter(pk=int(customer_id)).first()
    active_filters = any(request.GET.get(k) for k in DeviceFilter.base_filters)
    return render(
        request,
        "devices/device_list.html",
        {
            "filter": filterset,
            "page": page,
            "today": timezone.localdate(),
            "filter_customer": customer,
            "active_filters": active_filters,
        },
    )


def _technicians():
    return list(active_technicians())


def _technician_options(technicians):
    """Every row's technician ``<option>``s, rendered once for the page."""
    return options_html(
        (t.pk, f"{t.get_full_name() or t.username} ({t.open_jobs} in repair)") for t in technicians
    )


@role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
def device_assign(request):
    """Managers and admins: unassigned devices, each given to a technician in one POST."""
    failed = {}
    if request.method == "POST":
        form = AssignForm(request.POST)
        if form.is_valid():
            device = form.cleaned_data["device"]
            technician = form.cleaned_data["technician"]
            try:
                device = workflow_assign(device=device, technician=technician, by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if request.htmx:
                    # The row turns green in place; the "N unassigned" badge above the
                    # table is swapped out-of-band so it does not keep the old count.
                    return render(
                        request,
                        "devices/_assign_row.html",
                        {
                            "device": device,
                            "done": True,
                            "unassigned_count": unassigned_devices().count(),
                        },
                    )
                messages.success(request, f"{device.job_number} assigned to {technician}.")
                return redirect("devices:device_assign")
        device_pk = request.POST.get("device", "")
        device = (
            Device.objects.select_related("customer")
            .filter(pk=int(device_pk) if device_pk.isdecimal() else 0)
            .first()
        )
        if device is None:
            messages.error(request, "That device no longer exists. The list below is current.")
            if request.htmx:
                return _htmx_redirect(reverse("devices:device_assign"))
            return redirect("devices:device_assign")
        if request.htmx:
            technicians = _technicians()
            return render(
                request,
                "devices/_assign_row.html",
                {
                    "device": device,
                    "form": form,
                    "technicians": technicians,
                    "technician_options": _technician_options(technicians),
                    "today": timezone.localdate(),
                },
            )
        failed = {device.pk: form}
        messages.error(
            request,
            f"{device.job_number} was not assigned: "
            + " ".join(e for errs in form.errors.values() for e in errs),
        )
    # 25 a page: each row carries a form, and a backlog must not make the page crawl.
    page = Paginator(unassigned_devices(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(d, failed.get(d.pk)) for d in page.object_list]
    technicians = _technicians()
    return render(
        request,
        "devices/assign.html",
        {
            "rows": rows,
            "page": page,
            "technicians": technicians,
            "technician_options": _technician_options(technicians),
            "today": timezone.localdate(),
        },
    )


def _htmx_redirect(url):
    from django_htmx.http import HttpResponseClientRedirect

    return HttpResponseClientRedirect(url)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def overdue(request):
    """Every role sees overdue devices; managers and admins reassign with a new date and a
    reason (kept on the timeline)."""
    can_reassign = has_role(request.user, MANAGERS)
    failed = {}
    if request.method == "POST":
        if not can_reassign:
            raise PermissionDenied("Only a manager or an admin can reassign overdue devices.")
        device = get_object_or_404(
            Device.objects.select_related("customer", "assigned_to"),
            pk=request.POST.get("device") if request.POST.get("device", "").isdecimal() else 0,
        )
        form = ReassignForm(request.POST, prefix=f"d{device.pk}")
        if form.is_valid():
            try:
                device = device_reassign(
                    device=device,
                    technician=form.cleaned_data["technician"],
                    by=request.user,
                    note=form.cleaned_data["reason"],
                    expected_delivery_date=form.cleaned_data["expected_delivery_date"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                messages.error(request, f"{device.job_number}: {error_text(exc)}")
            else:
                messages.success(
                    request,
                    f"{device.job_number} is now with {device.assigned_to}, due "
                    f"{device.expected_delivery_date:%d %b %Y}.",
                )
                return redirect(request.get_full_path())
        else:
            messages.error(
                request, f"{device.job_number} was not reassigned: see the errors in its row."
            )
        failed[device.pk] = form
    rows = []
    technicians = _technicians() if can_reassign else []
    # 25 a page: each row carries a reassign form.
    page = Paginator(overdue_devices(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for d in page.object_list:
        form = None
        if can_reassign:
            form = failed.get(d.pk) or ReassignForm(prefix=f"d{d.pk}", initial=_reassign_initial(d))
        rows.append((d, form))
    return render(
        request,
        "devices/overdue.html",
        {
            "rows": rows,
            "page": page,
            "can_reassign": can_reassign,
            "technicians": technicians,
            "technician_options": _technician_options(technicians),
            "today": timezone.localdate(),
        },
    )


def _reassign_initial(device):
    return {
        "technician": device.assigned_to_id,
        "expected_delivery_date": timezone.localdate() + datetime.timedelta(days=1),
    }
