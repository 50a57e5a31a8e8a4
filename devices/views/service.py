import datetime
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from billing.selectors import live_bill
from telite.forms_util import add_service_errors, form_error_text
from telite.pagecache import cached_page
from telite.permissions import (
    MANAGERS,
    STAFF,
    can_edit_service,
    is_manager,
    post_only,
    role_required,
)
from telite.urls_util import is_id

from .. import notify
from ..forms import PhotoForm, ReassignForm, ServiceForm, SparePartForm
from ..models import Device, DeviceEvent, DevicePhoto, SparePart
from ..selectors import device_for_service, device_timeline, service_parts
from ..services import (
    ServiceChangedMeanwhile,
    part_remove,
    part_text,
    service_totals,
    service_update,
)
from ..services import part_add as add_part
from ..services import part_change as change_part
from ..services import photos_add as add_photos
from ..workflow import record_event
from .common import error_text


def _device_or_404(pk) -> Device:
    try:
        return device_for_service(pk)
    except Device.DoesNotExist as exc:
        raise Http404("No such device.") from exc


def _require_editor(request, device: Device) -> None:
    if not can_edit_service(request.user, device):
        raise PermissionDenied(
            f"Only {device.assigned_to or 'the assigned technician'}, a manager or an admin "
            f"can change the service of {device.job_number}."
        )


def _parts_context(
    device, *, part_form=None, can_edit=False, error=None, editing=None, change_form=None
):
    """The spare parts card. ``editing``: the part whose row is open as a form (its
    ``change_form``, refused values and errors included), for an editor only."""
    service, parts = service_parts(device)
    editing = editing if can_edit and device.is_open else None
    part = next((p for p in parts if p.pk == editing), None)
    if part is None:
        editing = change_form = None  # removed meanwhile, or another job's part
    elif change_form is None:
        change_form = SparePartForm(
            instance=part, prefix="change", initial={"was": part_text(part)}
        )
    # Closed: the bill may differ from the work (a discount, a manager's correction), and
    # the card must not quote the work's total as what the customer pays.
    bill = None if device.is_open else live_bill(device)
    return {
        "bill": bill,
        "service": service,
        "device": device,
        "parts": parts,
        "totals": service_totals(service, parts),
        "part_form": part_form or SparePartForm(),
        "can_edit": can_edit,
        "editable_state": device.is_open,
        "parts_error": error,
        "editing_part": editing,
        "change_form": change_form,
    }


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
@cached_page
def service(request, pk):
    """Every role reads; the assigned technician, managers and admins save the service."""
    device = _device_or_404(pk)
    if request.method == "POST":
        _require_editor(request, device)
        # A bound ModelForm writes into its instance while validating; give it a copy.
        form = ServiceForm(request.POST, instance=service_parts(device)[0])
        if form.is_valid():
            try:
                service_update(
                    device=device,
                    by=request.user,
                    diagnosis=form.cleaned_data["diagnosis"],
                    work_done=form.cleaned_data["work_done"],
                    labour_charge=form.cleaned_data["labour_charge"],
                    was=form.cleaned_data["was"],
                )
            except ServiceChangedMeanwhile as exc:
                add_service_errors(form, exc)
                form.showing(exc.service)
                return _service_page(request, device, form=form, saved_now=exc.service)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Service of {device.job_number} saved.")
                return redirect("devices:service", pk=device.pk)
    else:
        form = None
    return _service_page(request, device, form=form)


def _service_page(
    request,
    device: Device,
    *,
    form=None,
    reassign_form=None,
    editing=None,
    change_form=None,
    saved_now=None,
    status=200,
):
    if editing is None:
        # ?part=<id>: that part's row open for a correction (Edit without JavaScript).
        asked = request.GET.get("part", "")
        editing = int(asked) if is_id(asked) else None
    context = _parts_context(
        device,
        can_edit=can_edit_service(request.user, device),
        editing=editing,
        change_form=change_form,
    )
    can_reassign = is_manager(request.user) and device.status in Device.OPEN
    context.update(
        {
            "form": form or ServiceForm(instance=context["service"]),
            "timeline": device_timeline(device),
            "photos": list(device.photos.all()),
            "photo_form": PhotoForm(),
            "reassign_form": (reassign_form or _reassign_form(device)) if can_reassign else None,
            "messages_to_send": notify.message_kinds(device),
            "saved_now": saved_now,
        }
    )
    context["last_told"] = next(
        (e for e in reversed(context["timeline"]) if e.kind == DeviceEvent.Kind.MESSAGED), None
    )
    return render(request, "devices/service.html", context, status=status)


def _reassign_form(device: Device) -> ReassignForm:
    """Its technician and its promised date as they are (tomorrow when that has passed):
    the manager changes what needs changing."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    due = device.expected_delivery_date
    return ReassignForm(
        initial={
            "technician": device.assigned_to_id,
            "expected_delivery_date": due if due and due >= timezone.localdate() else tomorrow,
        }
    )


def _back_to_the_device(request, pk, **kwargs):
    return reverse("devices:service", args=[pk])


@role_required(MANAGERS)
@post_only(_back_to_the_device)
def reassign(request, pk):
    """Managers and admins (SPEC §5): give a device in the workshop to another technician,
    or promise a new date, with a reason kept on its timeline; overdue or not."""
    device = _device_or_404(pk)
    if device.status not in Device.OPEN:
        # Closed or handed back while the page was open: the card is gone, so say why here.
        messages.error(
            request,
            f"{device.job_number} is {device.get_status_display().lower()}: it is no longer "
            "in the workshop, so its technician and date stay as they are.",
        )
        return redirect("devices:service", pk=device.pk)
    form = ReassignForm(request.POST)
    if form.is_valid():
        try:
            device = form.reassign(device, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, form.done_message(device))
            return redirect("devices:service", pk=device.pk)
    return _service_page(request, device, reassign_form=form, status=400)


@role_required(STAFF)
@post_only(_back_to_the_device)
def tell_customer(request, pk, kind):
    """Every role (SPEC §2: a ready device's customer "can be told"): WhatsApp opens with
    the message for the device's state filled in, and its timeline says who opened which
    message, when, and its text (``devices.notify``)."""
    device = _device_or_404(pk)
    if not notify.fits(device, kind):
        # The page was open while the device moved on (closed, delivered, reopened).
        messages.error(
            request,
            f"{device.job_number} is {device.get_status_display().lower()} now: that message "
            "no longer fits, so WhatsApp was not opened. The messages below are today's.",
        )
        return redirect("devices:service", pk=device.pk)
    text = notify.customer_message(device, kind)
    record_event(device, kind=DeviceEvent.Kind.MESSAGED, to_value=kind, note=text, by=request.user)
    return redirect(notify.whatsapp_url(device, text))


def _parts_response(request, device, **kwargs):
    context = _parts_context(device, can_edit=can_edit_service(request.user, device), **kwargs)
    if request.htmx:
        # The timeline below the parts gains the event just recorded (out-of-band swap).
        context["oob_timeline"] = device_timeline(device)
        return render(request, "devices/_parts.html", context)
    return None


PART_FIELDS = ("name", "quantity", "unit_cost")


def _typed_elsewhere(data) -> dict:
    """What the other spare-part form of the card held when one of them was sent (htmx
    sends both, ``hx-include``): the card is drawn again with it, not emptied. The "add"
    boxes, and a correction row left open (``editing``) with what was typed in it."""
    kept = {}
    if any(name in data for name in PART_FIELDS):
        kept["part_form"] = SparePartForm(
            initial={name: data.get(name, "") for name in (*PART_FIELDS, "idempotency_key")}
        )
    editing = data.get("editing", "")
    if is_id(editing):
        kept["editing"] = int(editing)
        kept["change_form"] = SparePartForm(
            prefix="change",
            initial={name: data.get(f"change-{name}", "") for name in (*PART_FIELDS, "was")},
        )
    return kept


def _part_service(form, action, *, fields=PART_FIELDS, **target):
    """``action`` (adding or correcting a spare part) with ``form``'s cleaned ``fields``:
    (the part, None), or (None, None) with the refusal on the form's fields, or (None, a
    message) for a refusal of the whole job (closed meanwhile)."""
    if not form.is_valid():
        return None, None
    try:
        part = action(**{name: form.cleaned_data[name] for name in fields}, **target)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            add_service_errors(form, exc)
            return None, None
        return None, error_text(exc)
    return part, None


@role_required(STAFF)
@post_only(_back_to_the_device)
def part_add(request, pk):
    """The assigned technician, managers and admins: add a spare part (htmx partial)."""
    device = _device_or_404(pk)
    _require_editor(request, device)
    form = SparePartForm(request.POST)
    part, error = _part_service(
        form,
        add_part,
        fields=(*PART_FIELDS, "idempotency_key"),
        device=device,
        by=request.user,
    )
    if part is not None:
        form = None
        if not request.htmx:
            messages.success(request, f"{part.name} added to {device.job_number}.")
    kept = _typed_elsewhere(request.POST)
    kept.pop("part_form", None)  # the add form is this one
    response = _parts_response(request, device, part_form=form, error=error, **kept)
    if response is not None:
        return response
    if error or (form is not None and form.errors):
        messages.error(
            request,
            error or "The part was not added: " + form_error_text(form),
        )
    return redirect("devices:service", pk=device.pk)


@role_required(STAFF)
@post_only(_back_to_the_device)
def part_delete(request, pk, part_id):
    """The assigned technician, managers and admins: remove a spare part (htmx partial)."""
    device = _device_or_404(pk)
    _require_editor(request, device)
    part = get_object_or_404(
        SparePart.objects.select_related("service"), pk=part_id, service__device=device
    )
    error = None
    try:
        part_remove(part=part, by=request.user)
    except ValidationError as exc:
        error = error_text(exc)
    # The add boxes and an open correction keep what was typed in them (``hx-include``).
    response = _parts_response(request, device, error=error, **_typed_elsewhere(request.POST))
    if response is not None:
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{part.name} removed from {device.job_number}.")
    return redirect("devices:service", pk=device.pk)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def part_change(request, pk, part_id):
    """The assigned technician, managers and admins: correct a spare part in place (a wrong
    quantity, price or name), htmx partial. GET opens its row as a form (``?cancel=1``
    closes it); POST saves it and records the change on the timeline."""
    device = _device_or_404(pk)
    _require_editor(request, device)
    part = get_object_or_404(
        SparePart.objects.select_related("service"), pk=part_id, service__device=device
    )
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{reverse('devices:service', args=[pk])}?part={part.pk}#parts")
        editing = None if request.GET.get("cancel") else part.pk
        context = _parts_context(
            device,
            can_edit=can_edit_service(request.user, device),
            editing=editing,
            part_form=_typed_elsewhere(request.GET).get("part_form"),
        )
        return render(request, "devices/_parts.html", context)
    form = SparePartForm(request.POST, prefix="change")
    changed, error = _part_service(
        form, change_part, fields=(*PART_FIELDS, "was"), part=part, by=request.user
    )
    if changed is not None or error:
        form = None  # saved, or the part is gone: no row to keep open
    refused = form is not None
    response = _parts_response(
        request,
        device,
        error=error,
        editing=part.pk if refused else None,
        change_form=form,
        part_form=_typed_elsewhere(request.POST).get("part_form"),
    )
    if response is not None:
        return response
    if refused:
        # Without JavaScript: the page again, the row open with what was typed and why.
        return _service_page(request, device, editing=part.pk, change_form=form, status=400)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{part.name} corrected on {device.job_number}.")
    return redirect(reverse("devices:service", args=[device.pk]) + "#parts")


@role_required(STAFF)
@post_only(_back_to_the_device)
def photos_add(request, pk):
    """The assigned technician, managers and admins: attach more photos to a device."""
    device = _device_or_404(pk)
    _require_editor(request, device)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = add_photos(
                device=device,
                photos=form.cleaned_data["photos"],
                by=request.user,
                upload_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            count = len(stored)
            messages.success(
                request,
                f"{count} photo{'' if count == 1 else 's'} added to {device.job_number}.",
            )
    else:
        messages.error(
            request,
            "No photo was added: " + form_error_text(form),
        )
    return redirect("devices:service", pk=device.pk)


@role_required(STAFF)
@require_GET
def photo(request, pk):
    """Logged-in staff only: a device photo, streamed by the app (never a public URL)."""
    obj = get_object_or_404(DevicePhoto, pk=pk)
    try:
        handle = obj.image.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("The photo file is missing.") from exc
    content_type = mimetypes.guess_type(obj.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="photo-{obj.pk}{_suffix(obj)}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _suffix(obj) -> str:
    name = obj.image.name or ""
    return name[name.rfind(".") :] if "." in name else ""
