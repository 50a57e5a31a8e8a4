import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from customers.models import Customer
from telite.forms_util import (
    add_service_errors,
    asks_for_filters,
    form_error_text,
    options_html,
    style_filter_form,
)
from telite.pagecache import cached_page
from telite.pagination import CappedPaginator
from telite.permissions import MANAGERS, STAFF, has_role, role_required
from telite.urls_util import route_url

from ..filters import DeviceFilter, OverdueFilter, UnassignedFilter
from ..forms import AssignForm, ReassignForm
from ..models import Device, DeviceStatus
from ..rows import device_cells
from ..selectors import (
    active_technicians,
    devices_for_lists,
    mine_first,
    overdue_devices,
    unassigned_devices,
)
from ..workflow import device_assign as workflow_assign
from .common import error_text

PAGE_SIZE = 25


@role_required(STAFF)
@require_GET
@cached_page
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
    today = timezone.localdate()
    me = request.user.pk if request.user.is_technician else None
    rows = [
        {
            **device_cells(d),
            "overdue": d.status in Device.OPEN and d.expected_delivery_date < today,
            "in_workshop": d.status in (DeviceStatus.RECEIVED, DeviceStatus.ASSIGNED),
            "mine": me is not None and d.assigned_to_id == me,
            "mine_open": me is not None and d.assigned_to_id == me and d.is_open,
        }
        for d in page.object_list
    ]
    return render(
        request,
        "devices/device_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "today": today,
            "filter_customer": customer,
            "active_filters": active_filters,
            "date_fields": [filterset.form[name] for name in DATE_FIELDS],
            # Errors of fields the bar shows say so next to them; the others (a customer
            # link gone stale, a flag edited in the address) are named here.
            "ignored_filters": [
                (filterset.form.fields[name].label or name, errors)
                for name, errors in filterset.errors.items()
                if name not in DATE_FIELDS
            ],
        },
    )


DATE_FIELDS = ("received_after", "received_before")


def assign_row(device, today) -> dict:
    """An unassigned device's row: how long it has waited, and whether it is already late."""
    age = device.age_days
    return {
        **device_cells(device),
        "waiting": "today" if age == 0 else f"{age} day{pluralize(age)}",
        "overdue": device.expected_delivery_date < today,
    }


def _technicians():
    return list(active_technicians())


def _technician_label(technician) -> str:
    return f"{technician} ({technician.open_jobs} in repair)"


def _technician_options(technicians):
    """Every row's technician ``<option>``s, rendered once for the page."""
    return options_html((t.pk, _technician_label(t)) for t in technicians)


@role_required(MANAGERS)
@require_http_methods(["GET", "POST"])
@cached_page
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
                    # table and the list's count below it are swapped out-of-band so they
                    # do not keep the old counts.
                    response = _assign_done_row(request, device)
                    # The other rows' menus say how many jobs the technician now holds.
                    held = active_technicians().filter(pk=technician.pk).first()
                    if held is not None:
                        trigger_client_event(
                            response,
                            "telite:technician-load",
                            {"pk": held.pk, "label": _technician_label(held)},
                        )
                    return response
                messages.success(request, f"{device.job_number} assigned to {technician}.")
                # Back to the list as it was filtered (the form posts to it with its query).
                return redirect(request.get_full_path())
        device_pk = request.POST.get("device", "")
        device = (
            Device.objects.select_related("customer", "assigned_to")
            .filter(pk=int(device_pk) if device_pk.isdecimal() else 0)
            .first()
        )
        if device is None:
            messages.error(request, "That device no longer exists. The list below is current.")
            if request.htmx:
                return _htmx_redirect(reverse("devices:device_assign"))
            return redirect(request.get_full_path())
        if request.htmx and device.status != DeviceStatus.RECEIVED:
            # Assigned (or handed back) meanwhile, from another page: the row says so
            # rather than offering the device again.
            return _assign_done_row(request, device, meanwhile=True)
        if request.htmx:
            technicians = _technicians()
            return render(
                request,
                "devices/_assign_row.html",
                {
                    "row": assign_row(device, timezone.localdate()),
                    "assign_url": route_url("devices:device_assign"),
                    "form": form,
                    "technicians": technicians,
                    "technician_options": _technician_options(technicians),
                    "today": timezone.localdate(),
                },
            )
        failed = {device.pk: form}
        messages.error(
            request,
            f"{device.job_number} was not assigned: " + form_error_text(form),
        )
    # 25 a page: each row carries a form, and a backlog must not make the page crawl.
    found, filtered = _workshop_filter(request, UnassignedFilter, unassigned_devices())
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(assign_row(d, today), failed.get(d.pk)) for d in page.object_list]
    technicians = _technicians()
    return render(
        request,
        "devices/assign.html",
        {
            "filter": found,
            "filtered": filtered,
            "clear_url": reverse("devices:device_assign"),
            # The badge counts every device waiting, whatever the filters show.
            "unassigned_count": unassigned_devices().count() if filtered else page.paginator.count,
            "rows": rows,
            "assign_url": route_url("devices:device_assign")
            + (f"?{request.GET.urlencode()}" if filtered else ""),
            "page": page,
            "technicians": technicians,
            "technician_options": _technician_options(technicians),
            "today": timezone.localdate(),
        },
    )


def _assign_done_row(request, device, *, meanwhile=False):
    """An assigned device's row on the assignment list, with the counts above and below
    the table swapped out-of-band (htmx)."""
    found, _ = _workshop_filter(request, UnassignedFilter, unassigned_devices())
    return render(
        request,
        "devices/_assign_row.html",
        {
            "row": device_cells(device),
            "done": True,
            "meanwhile": meanwhile,
            "status": device.get_status_display().lower(),
            "unassigned_count": unassigned_devices().count(),
            "list_count": found.qs.count(),
        },
    )


def _workshop_filter(request, filterset_class, queryset):
    """The assignment and overdue lists' filter bar (SPEC §4: every list filters and
    searches): the filter set, and whether anything is asked of it."""
    filtered = asks_for_filters(request)
    found = filterset_class(request.GET if filtered else None, queryset=queryset, request=request)
    style_filter_form(found.form)
    return found, filtered


def _htmx_redirect(url):
    from django_htmx.http import HttpResponseClientRedirect

    return HttpResponseClientRedirect(url)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
@cached_page
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
                device = form.reassign(device, by=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
                text = error_text(exc)
                # Said once: most refusals already name the job.
                prefix = "" if device.job_number in text else f"{device.job_number}: "
                messages.error(request, prefix + text)
            else:
                messages.success(request, form.done_message(device))
                return redirect(request.get_full_path())
        else:
            # Said in full: the row may not be on this page (no longer overdue, another tab).
            messages.error(
                request,
                f"{device.job_number} was not "
                + ("assigned" if device.assigned_to_id is None else "reassigned")
                + ": "
                + form_error_text(form),
            )
        failed[device.pk] = form
    technicians = _technicians() if can_reassign else []
    # 25 a page. Each row's reassign fields are plain values (its current technician, due
    # tomorrow); a refused row carries its bound form, with what was typed and the errors.
    found, filtered = _workshop_filter(request, OverdueFilter, overdue_devices(request.user))
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    rows = [
        (overdue_row(d, tomorrow, failed.get(d.pk)), failed.get(d.pk)) for d in page.object_list
    ]
    return render(
        request,
        "devices/overdue.html",
        {
            "rows": rows,
            "page": page,
            "can_reassign": can_reassign,
            "filter": found,
            "filtered": filtered,
            "clear_url": reverse("devices:overdue"),
            "overdue_count": overdue_devices().count() if filtered else page.paginator.count,
            "technicians": technicians,
            "technician_options": _technician_options(technicians),
            "today": timezone.localdate(),
            "min_date": timezone.localdate().isoformat(),
        },
    )


def overdue_row(device, tomorrow: str, form=None) -> dict:
    """An overdue device's row, with its reassign fields: names, values and errors.

    Without ``form``: the device's technician, due tomorrow. With a refused ``form``: what
    was typed and why it was refused.
    """
    late = device.days_late
    names = ("technician", "expected_delivery_date", "reason")
    if form is None:
        values = {"technician": device.assigned_to_id or "", "expected_delivery_date": tomorrow}
        errors, non_field = {}, []
    else:
        values = {name: form[name].value() for name in names}
        errors, non_field = form.errors, form.non_field_errors()
    return {
        **device_cells(device),
        "late": f"{late} day{pluralize(late)} late",
        "field": {name: f"d{device.pk}-{name}" for name in names},
        "value": {name: "" if values.get(name) is None else values[name] for name in names},
        "errors": {name: errors.get(name, []) for name in names},
        "non_field_errors": non_field,
        "invalid": bool(errors),
    }
