"""Writes on devices that are not moves of the workflow: intake (with its job number),
the service record and its spare parts, photos.

Moves between states live in ``devices.workflow``; these services refuse to change the
work of a device that has left the workshop (the bill was issued from it).
"""

import datetime
import hashlib
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from customers.services import customer_get_or_create
from telite.dates import format_day
from telite.money import MAX_AMOUNT, format_money, to_money

from .models import (
    MAX_QUANTITY,
    Device,
    DeviceEvent,
    DevicePhoto,
    JobCounter,
    Service,
    SparePart,
)
from .workflow import check_promise_horizon, record_event

Kind = DeviceEvent.Kind

# Formats Pillow recognised -> the extension stored (never the customer's file name).
PHOTO_FORMATS = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_PHOTOS = 8
# The Device fields the intake form fills (and the back office may correct).
INTAKE_FIELDS = (
    "device_name",
    "brand",
    "model",
    "serial_number",
    "issue_description",
    "accessories",
    "condition",
    "password_note",
    "expected_delivery_date",
    "expected_budget",
)


class IntakeAlreadyDone(Exception):
    """The same intake form was posted again; ``device`` is the one it took in."""

    def __init__(self, device):
        super().__init__(device.job_number)
        self.device = device


def format_job_number(year: int, number: int) -> str:
    return f"J-{year}-{number:05d}"


def job_number_next(*, year: int | None = None) -> str:
    """The next job number of the year, e.g. ``J-2026-00042``.

    Must run inside the intake transaction: the year's counter row stays locked until it
    commits, so two clerks never get the same number, and a refused intake gives its number
    back (no gaps). The row for a new year is created first (a unique primary key makes a
    race between two first intakes of the year harmless), then locked.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("job_number_next() must run inside a transaction")
    year = year or timezone.localdate().year
    JobCounter.objects.get_or_create(year=year)
    counter = JobCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return format_job_number(year, counter.last_number)


def validate_photo(upload: UploadedFile) -> None:
    """Images only (checked by content), at most PHOTO_MAX_MB each."""
    limit = settings.PHOTO_MAX_MB * 1024 * 1024
    name = getattr(upload, "name", "photo")
    if upload.size > limit:
        raise ValidationError(
            f"{name} is {upload.size / 1024 / 1024:.1f} MB; each photo may be at most "
            f"{settings.PHOTO_MAX_MB} MB.",
            code="photo_too_large",
        )
    found = _image_format(upload)
    if found is TOO_MANY_PIXELS:
        raise ValidationError(
            f"{name} is too large an image (over {2 * Image.MAX_IMAGE_PIXELS // 1_000_000} "
            "megapixels). Take the photo again at the camera's usual size.",
            code="photo_too_large",
        )
    if found not in PHOTO_FORMATS:
        raise ValidationError(
            f"{name} is not a photo. Upload JPEG, PNG or WebP images only.",
            code="not_an_image",
        )


TOO_MANY_PIXELS = "too many pixels"


def _image_format(upload) -> str | None:
    """The image's format (Pillow's name), None for a file that is no image, or
    TOO_MANY_PIXELS for one Pillow refuses to open as a possible decompression bomb."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            found = image.format
    except Image.DecompressionBombError:
        found = TOO_MANY_PIXELS
    except Exception:  # Pillow raises many kinds for a file that is not an image.
        found = None
    finally:
        upload.seek(0)
    return found


def _store_photo(*, device: Device, upload: UploadedFile, by, upload_key=None) -> DevicePhoto:
    validate_photo(upload)
    # The stored name is made by the server (photo_upload_to); only the format's extension,
    # found from the content, is kept.
    upload.name = "photo" + PHOTO_FORMATS[_image_format(upload)]
    return DevicePhoto.objects.create(
        device=device, image=upload, uploaded_by=by, upload_key=upload_key
    )


@transaction.atomic
def device_intake(
    *,
    by,
    customer: dict,
    device: dict,
    photos=(),
    advance: dict | None = None,
    intake_key: uuid.UUID | None = None,
) -> Device:
    """Take a device in: the customer (found by WhatsApp number or created), the device with
    its job number, its service record, photos, an optional advance, a "taken in" event.

    All or nothing: a refusal anywhere leaves no customer, device, photo, payment or used
    job number behind. The same ``intake_key`` (one per rendered form) takes one device in
    however often the form is posted; a repeat raises ``IntakeAlreadyDone``.

    ``customer``: whatsapp_number, name, location, email. ``device``: the Device fields of
    the intake form. ``advance``: amount, mode, reference (amount empty or zero: none).
    """
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"Attach at most {MAX_PHOTOS} photos."})
    for upload in photos:
        try:
            validate_photo(upload)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
    due = device.get("expected_delivery_date")
    if due is None:
        raise ValidationError({"expected_delivery_date": "Enter the expected delivery date."})
    if due < timezone.localdate():
        raise ValidationError(
            {"expected_delivery_date": "The expected delivery date cannot be in the past."}
        )
    check_promise_horizon(due, field="expected_delivery_date")

    # Taking the counter lock first serialises intakes, so the repeat check below sees a
    # concurrent twin that committed while we waited.
    job_number = job_number_next()
    if intake_key is not None:
        existing = Device.objects.filter(intake_key=intake_key).first()
        if existing is not None:
            raise IntakeAlreadyDone(existing)

    cust, _created = customer_get_or_create(by=by, **customer)
    fields = {k: v for k, v in device.items() if k in INTAKE_FIELDS}
    for key in ("brand", "model", "serial_number", "accessories", "condition", "password_note"):
        fields[key] = (fields.get(key) or "").strip()
    try:
        with transaction.atomic():
            new = Device.objects.create(
                job_number=job_number,
                customer=cust,
                added_by=by,
                intake_key=intake_key,
                **fields,
            )
    except IntegrityError:
        existing = intake_key and Device.objects.filter(intake_key=intake_key).first()
        if existing:
            raise IntakeAlreadyDone(existing) from None
        raise
    Service.objects.create(device=new)
    for upload in photos:
        _store_photo(device=new, upload=upload, by=by)
    record_event(
        new,
        kind=Kind.RECEIVED,
        by=by,
        to_value=new.status,
        note=f"Taken in for {cust.name}"
        + (f" with {len(photos)} photo{'s' if len(photos) != 1 else ''}" if photos else ""),
    )
    amount = to_money((advance or {}).get("amount"))
    if amount > 0:
        from billing.services import payment_record

        try:
            payment_record(
                device=new,
                amount=amount,
                mode=advance["mode"],
                reference=advance.get("reference", ""),
                by=by,
                is_advance=True,
                idempotency_key=uuid.uuid5(intake_key, "advance") if intake_key else None,
            )
        except ValidationError as exc:
            raise ValidationError({"advance_amount": exc.messages}) from exc
    return new


def service_of(device: Device) -> Service:
    """The device's service record (created on first use for devices taken in without one)."""
    service, _ = Service.objects.get_or_create(device=device)
    return service


def _lock_open_device(device: Device, what: str) -> Device:
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if locked.status not in Device.OPEN:
        # Only a device waiting for delivery can be reopened; one handed back is done.
        then = (
            " A manager must reopen it first."
            if locked.status == Device.Status.READY
            else " It has been handed back."
        )
        raise ValidationError(
            f"{locked.job_number} is {locked.get_status_display().lower()}: {what} cannot "
            f"change any more.{then}",
            code="device_closed",
        )
    return locked


_SERVICE_LABELS = {
    "diagnosis": "diagnosis",
    "work_done": "work done",
    "labour_charge": "labour charge",
}


def service_stamp(service: Service | None) -> str:
    """The service as a form shows it, in a few characters: a form sends it back as
    ``was``, and a save from a form opened before someone else's save is refused."""
    if service is None:
        return ""
    shown = repr((service.diagnosis, service.work_done, str(service.labour_charge)))
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


class ServiceChangedMeanwhile(ValidationError):
    """Someone saved the service after the form was opened (``service``: as saved now)."""

    def __init__(self, service: Service):
        who = service.updated_by or "Someone"
        when = format_day(service.updated_at, with_time=True)
        super().__init__(
            f"{who} saved this service at {when}, after this page was opened. Nothing was "
            "saved: what is saved now is shown below the boxes, which keep what you typed. "
            "Check both, then save again.",
            code="changed",
        )
        self.service = service


@transaction.atomic
def service_update(
    *,
    device: Device,
    by,
    diagnosis: str,
    work_done: str,
    labour_charge,
    was: str | None = None,
) -> Service:
    """Record the diagnosis, work done and labour charge of a device in the workshop.

    Refused once the device is ready, delivered or returned (its bill was issued from it).
    The timeline says what changed; saving with no change records nothing. ``was``: the
    service as the form showed it (``service_stamp``); if someone saved it since, nothing
    is saved (``ServiceChangedMeanwhile``), so a page left open does not undo their work.
    """
    locked = _lock_open_device(device, "the service")
    service = Service.objects.select_for_update().filter(device=locked).first()
    if service is None:
        service = Service.objects.create(device=locked)
    labour = to_money(labour_charge)
    if labour < 0:
        raise ValidationError({"labour_charge": "The labour charge cannot be negative."})
    parts = SparePart.objects.filter(service=service)
    _refuse_past_max(labour + service_totals(service, parts)["parts"], "labour_charge")
    new = {
        "diagnosis": (diagnosis or "").strip(),
        "work_done": (work_done or "").strip(),
        "labour_charge": labour,
    }
    changed = [name for name, value in new.items() if getattr(service, name) != value]
    if not changed:
        return service
    if was and was != service_stamp(service):
        raise ServiceChangedMeanwhile(service)
    before_labour = service.labour_charge
    for name, value in new.items():
        setattr(service, name, value)
    service.updated_by = by
    service.save(update_fields=[*changed, "updated_by", "updated_at"])
    record_event(
        locked,
        kind=Kind.SERVICE,
        by=by,
        from_value=format_money(before_labour) if "labour_charge" in changed else "",
        to_value=format_money(labour) if "labour_charge" in changed else "",
        note="Changed: " + ", ".join(_SERVICE_LABELS[name] for name in changed),
    )
    return service


@transaction.atomic
def part_add(
    *,
    device: Device,
    by,
    name: str,
    quantity: int,
    unit_cost,
    idempotency_key: uuid.UUID | None = None,
) -> SparePart:
    """Add a spare part to a device in the workshop (quantity ≥ 1, price ≥ 0).

    The same ``idempotency_key`` (one per rendered form) adds one part however often the
    form is posted: the repeat returns the part the first post added."""
    locked = _lock_open_device(device, "its spare parts")
    if idempotency_key is not None:
        # Checked under the device lock: a repeat waits for the first post to commit.
        existing = SparePart.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None and existing.service.device_id == locked.pk:
            return existing
        if existing is not None:
            # A key from another job's form (a tampered post): add the part without it.
            idempotency_key = None
    name, quantity, price = part_values(name, quantity, unit_cost)
    service = service_of(locked)
    line = SparePart(quantity=quantity, unit_cost=price).line_total
    _refuse_past_max(line + service_totals(service, service.parts.all())["total"], "unit_cost")
    part = SparePart.objects.create(
        service=service,
        name=name,
        quantity=quantity,
        unit_cost=price,
        added_by=by,
        idempotency_key=idempotency_key,
    )
    record_event(
        locked,
        kind=Kind.PART_ADDED,
        by=by,
        to_value=f"{part.name} × {part.quantity}",
        note=f"{format_money(part.unit_cost)} each, {format_money(part.line_total)} in all",
    )
    return part


def part_values(name, quantity, unit_cost) -> tuple[str, int, Decimal]:
    """A spare part's name, quantity (1 to MAX_QUANTITY) and unit price (≥ 0), or the errors
    by field. Every way in (the service page, the back office) meets the same limits."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Enter the part's name."
    try:
        quantity = None if quantity is None else int(quantity)
    except (TypeError, ValueError):
        errors["quantity"] = "Enter a whole number."
    else:
        if quantity is None or quantity < 1:
            errors["quantity"] = "The quantity must be at least 1."
        elif quantity > MAX_QUANTITY:
            # Past it is a typing slip (10000 screws), and it overflows the column.
            errors["quantity"] = (
                f"The quantity can be at most {MAX_QUANTITY}: check what was typed."
            )
    try:
        price = to_money(unit_cost)
    except ValueError:
        errors["unit_cost"] = "Enter the unit price, e.g. 450 or 450.00."
    else:
        if price < 0:
            errors["unit_cost"] = "The unit price cannot be negative."
    if errors:
        raise ValidationError(errors)
    return name, quantity, price


def part_text(part: SparePart) -> str:
    """A part as the timeline and the correction form name it: "Fan × 2 at ₹300.00"."""
    return f"{part.name} × {part.quantity} at {format_money(part.unit_cost)}"


@transaction.atomic
def part_change(
    *, part: SparePart, by, name: str, quantity: int, unit_cost, was: str | None = None
) -> SparePart:
    """Correct a spare part of a device in the workshop (a wrong quantity, price or name)
    in place: it keeps its place on the job and on the bill, and the timeline records what
    it was and what it is now. Sending the same values again changes nothing.

    ``was``: the part as the form showed it (``part_text``); if someone corrected it since,
    nothing is saved, so a form opened earlier does not silently undo their correction."""
    locked = _lock_open_device(part.service.device, "its spare parts")
    part = SparePart.objects.filter(pk=part.pk, service__device=locked).first()
    if part is None:
        raise ValidationError("That spare part was removed meanwhile.", code="gone")
    name, quantity, price = part_values(name, quantity, unit_cost)
    if (name, quantity, price) == (part.name, part.quantity, part.unit_cost):
        return part
    before = part_text(part)
    if was and was != before:
        raise ValidationError(
            f"Someone corrected this part meanwhile: it is now {before}. Nothing was saved; "
            "check it and correct it again if it is still wrong.",
            code="changed",
        )
    service = service_of(locked)
    others = service.parts.exclude(pk=part.pk)
    line = SparePart(quantity=quantity, unit_cost=price).line_total
    _refuse_past_max(line + service_totals(service, others)["total"], "unit_cost")
    part.name, part.quantity, part.unit_cost = name, quantity, price
    part.save(update_fields=["name", "quantity", "unit_cost"])
    record_event(
        locked,
        kind=Kind.PART_CHANGED,
        by=by,
        from_value=before[:200],
        to_value=part_text(part)[:200],
        note=f"{format_money(part.line_total)} in all",
    )
    return part


@transaction.atomic
def part_remove(*, part: SparePart, by) -> None:
    """Remove a spare part from a device in the workshop; the timeline keeps what it was."""
    locked = _lock_open_device(part.service.device, "its spare parts")
    part = SparePart.objects.filter(pk=part.pk, service__device=locked).first()
    if part is None:
        raise ValidationError("That spare part has already been removed.", code="gone")
    record_event(
        locked,
        kind=Kind.PART_REMOVED,
        by=by,
        from_value=f"{part.name} × {part.quantity}",
        note=f"{format_money(part.line_total)} taken off",
    )
    part.delete()


@transaction.atomic
def photos_add(*, device: Device, photos, by, upload_key=None) -> list[DevicePhoto]:
    """Attach photos to a device (images only, size-limited, server-made names).

    The same ``upload_key`` (one per rendered form) adds the photos once however often the
    form is sent: the repeat returns the photos the first one added."""
    photos = list(photos)
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if upload_key is not None:
        # Checked under the device lock: a repeat waits for the first upload to commit.
        already = list(locked.photos.filter(upload_key=upload_key))
        if already:
            return already
    if locked.photos.count() + len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"A device can have at most {MAX_PHOTOS} photos."})
    for upload in photos:
        try:
            validate_photo(upload)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
    stored = [
        _store_photo(device=locked, upload=upload, by=by, upload_key=upload_key)
        for upload in photos
    ]
    if stored:
        record_event(
            locked,
            kind=Kind.NOTE,
            by=by,
            note=f"{len(stored)} photo{'s' if len(stored) != 1 else ''} added",
        )
    return stored


@transaction.atomic
def device_update_details(*, device: Device, by, changes: dict, note: str = "") -> Device:
    """Correct the details taken at intake (model, serial, accessories…) from the back office.

    The expected date goes through ``workflow.device_set_deadline``; status and technician
    through the other moves. The timeline names the fields changed.
    """
    locked = Device.objects.select_for_update().get(pk=device.pk)
    allowed = set(INTAKE_FIELDS) - {"expected_delivery_date"}
    changed = []
    for name, value in changes.items():
        if name not in allowed:
            raise ValueError(f"{name} is not a detail that can be edited")
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    if changed:
        locked.full_clean(exclude=["customer", "added_by", "assigned_to"])
        locked.save(update_fields=[*changed, "updated_at"])
        labels = [str(Device._meta.get_field(name).verbose_name) for name in changed]
        record_event(
            locked,
            kind=Kind.NOTE,
            by=by,
            note=(note or "Details corrected") + ": " + ", ".join(labels),
        )
    return locked


def _refuse_past_max(job_total: Decimal, field: str) -> None:
    """Refuse a change that takes a job's labour and parts past what a bill can hold."""
    if job_total > MAX_AMOUNT:
        raise ValidationError(
            {
                field: f"With this, the job would come to {format_money(job_total)}: more than "
                f"a bill can hold ({format_money(MAX_AMOUNT)}). Check the quantity and price."
            }
        )


def service_totals(service: Service, parts) -> dict[str, Decimal]:
    """Labour, parts and the running total of a service, as Decimals."""
    parts_total = sum((p.line_total for p in parts), Decimal("0.00"))
    labour = service.labour_charge or Decimal("0.00")
    return {"labour": labour, "parts": parts_total, "total": labour + parts_total}


def default_due_date(days: int = 3) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)
