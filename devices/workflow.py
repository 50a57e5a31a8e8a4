"""The job's life (SPEC §2): every state, every legal move, one place.

    received --assign--> assigned --ready--> ready --deliver--> delivered
        |                  |  ^                 |
        |                  +--+ reassign        +-- reopen (manager) --> assigned
        +-- return unrepaired (received/assigned) --> returned

Pages, the admin and other apps (billing closes a bill through ``device_mark_ready``)
all move devices through these functions; each locks the device row, refuses an illegal
move with a ``WorkflowError`` a clerk can read, and records an event on the timeline.
Role checks (who may assign, reopen…) belong to the caller's view; these functions
enforce the states.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Device, DeviceEvent, DeviceStatus

S = DeviceStatus
Kind = DeviceEvent.Kind


class WorkflowError(ValidationError):
    """An illegal move; the message says why in words a clerk understands."""


# (from, to) -> the event kind it records. Anything else is illegal.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.RECEIVED, S.ASSIGNED): Kind.ASSIGNED,
    (S.ASSIGNED, S.ASSIGNED): Kind.REASSIGNED,
    (S.ASSIGNED, S.READY): Kind.READY,
    (S.READY, S.DELIVERED): Kind.DELIVERED,
    (S.RECEIVED, S.RETURNED): Kind.RETURNED,
    (S.ASSIGNED, S.RETURNED): Kind.RETURNED,
    (S.READY, S.ASSIGNED): Kind.REOPENED,
}

_REFUSALS = {
    S.ASSIGNED: "It is not in the workshop any more (status: {status}).",
    S.READY: "Only a device being repaired by a technician can be marked ready "
    "(status: {status}). Assign it first.",
    S.DELIVERED: "Only a device that is ready (repaired and billed) can be delivered "
    "(status: {status}).",
    S.RETURNED: "Only a device still in the workshop can be returned unrepaired "
    "(status: {status}).",
}


def can_move(device: Device, to: str) -> bool:
    return (device.status, to) in TRANSITIONS


def allowed_moves(device: Device) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == device.status]


def _lock(device: Device) -> Device:
    locked = Device.objects.select_for_update().get(pk=device.pk)
    return locked


def _refuse(device: Device, to: str):
    status = device.get_status_display().lower()
    if device.status == to == S.READY:
        msg = f"{device.job_number} is already closed and waiting for delivery."
    elif device.status in Device.TERMINAL:
        msg = f"{device.job_number} has already been handed back ({status}); it cannot change."
    else:
        msg = f"{device.job_number}: " + _REFUSALS.get(to, "That move is not allowed.").format(
            status=status
        )
    raise WorkflowError(msg, code="illegal_move")


def record_event(
    device: Device, *, kind: str, by, from_value="", to_value="", note="", at=None
) -> DeviceEvent:
    """Append an entry to the device's timeline."""
    return DeviceEvent.objects.create(
        device=device,
        kind=kind,
        from_value=str(from_value or "")[:200],
        to_value=str(to_value or "")[:200],
        note=note or "",
        by=by,
        at=at or timezone.now(),
    )


def _move(device: Device, to: str, *, by, note="", from_value=None, to_value=None) -> Device:
    locked = _lock(device)
    key = (locked.status, to)
    if key not in TRANSITIONS:
        _refuse(locked, to)
    before = locked.status
    locked.status = to
    locked._workflow_event = dict(
        kind=TRANSITIONS[key],
        by=by,
        from_value=from_value if from_value is not None else before,
        to_value=to_value if to_value is not None else to,
        note=note,
    )
    return locked


def _finish(device: Device, fields: list[str]) -> Device:
    device.save(update_fields=[*fields, "status", "updated_at"])
    record_event(device, **device._workflow_event)
    del device._workflow_event
    return device


def _check_technician(technician) -> None:
    if technician is None or not technician.is_active or not technician.is_technician:
        raise WorkflowError(
            "Choose an active technician to assign the device to.", code="bad_technician"
        )


@transaction.atomic
def device_assign(*, device: Device, technician, by, note: str = "") -> Device:
    """Give an unassigned device to a technician (received -> assigned)."""
    _check_technician(technician)
    locked = _move(
        device, S.ASSIGNED, by=by, note=note, from_value="unassigned", to_value=technician.username
    )
    if locked._workflow_event["kind"] != Kind.ASSIGNED:
        raise WorkflowError(f"{locked.job_number} is already assigned to {locked.assigned_to}.")
    locked.assigned_to = technician
    locked.assigned_at = timezone.now()
    return _finish(locked, ["assigned_to", "assigned_at"])


@transaction.atomic
def device_reassign(
    *, device: Device, technician, by, note: str, expected_delivery_date=None
) -> Device:
    """Hand an assigned device to another technician, optionally with a new deadline.

    A reason is required: the timeline must say why the work moved.
    """
    _check_technician(technician)
    if not (note or "").strip():
        raise WorkflowError("Give a reason for the reassignment.", code="reason_required")
    locked = _lock(device)
    if locked.status == S.RECEIVED:
        # An overdue device nobody picked up yet: assigning it is the reassignment.
        locked = device_assign(device=locked, technician=technician, by=by, note=note)
        return _maybe_deadline(locked, expected_delivery_date, by, note)
    if locked.status != S.ASSIGNED:
        _refuse(locked, S.ASSIGNED)
    previous = locked.assigned_to
    if previous.pk != technician.pk:
        locked = _move(
            locked,
            S.ASSIGNED,
            by=by,
            note=note,
            from_value=previous.username,
            to_value=technician.username,
        )
        locked.assigned_to = technician
        locked.assigned_at = timezone.now()
        _finish(locked, ["assigned_to", "assigned_at"])
    return _maybe_deadline(locked, expected_delivery_date, by, note)


def _maybe_deadline(device, new_date, by, note) -> Device:
    if new_date is None or new_date == device.expected_delivery_date:
        return device
    return device_set_deadline(device=device, expected_delivery_date=new_date, by=by, note=note)


@transaction.atomic
def device_set_deadline(
    *, device: Device, expected_delivery_date: datetime.date, by, note: str = ""
) -> Device:
    """Change the promised date of a device still in the workshop; never into the past."""
    locked = _lock(device)
    if locked.status not in Device.OPEN:
        raise WorkflowError(
            f"{locked.job_number} is no longer in the workshop; its deadline cannot change."
        )
    if expected_delivery_date < timezone.localdate():
        raise WorkflowError(
            "The new expected delivery date cannot be in the past.", code="date_in_past"
        )
    before = locked.expected_delivery_date
    locked.expected_delivery_date = expected_delivery_date
    locked.save(update_fields=["expected_delivery_date", "updated_at"])
    record_event(
        locked,
        kind=Kind.DEADLINE,
        by=by,
        from_value=before.isoformat(),
        to_value=expected_delivery_date.isoformat(),
        note=note,
    )
    return locked


@transaction.atomic
def device_mark_ready(*, device: Device, by, note: str = "") -> Device:
    """Repair done (assigned -> ready). Called by billing when it closes the bill."""
    locked = _move(device, S.READY, by=by, note=note)
    locked.ready_at = timezone.now()
    return _finish(locked, ["ready_at"])


@transaction.atomic
def device_deliver(*, device: Device, by, note: str = "") -> Device:
    """Hand a ready device back to its customer (ready -> delivered).

    Billing decides whether a balance may still be due; this only guards the state.
    """
    locked = _move(device, S.DELIVERED, by=by, note=note)
    locked.delivered_at = timezone.now()
    return _finish(locked, ["delivered_at"])


@transaction.atomic
def device_return(*, device: Device, by, reason: str) -> Device:
    """Hand a device back unrepaired (received/assigned -> returned). A reason is required."""
    if not (reason or "").strip():
        raise WorkflowError("Say why the device is returned unrepaired.", code="reason_required")
    locked = _move(device, S.RETURNED, by=by, note=reason)
    locked.returned_at = timezone.now()
    locked.return_reason = reason.strip()[:300]
    return _finish(locked, ["returned_at", "return_reason"])


@transaction.atomic
def device_reopen(*, device: Device, by, reason: str) -> Device:
    """Send a ready device back to the workshop (ready -> assigned), to its technician.

    Managers and admins only (checked by the caller); billing voids the bill alongside.
    """
    if not (reason or "").strip():
        raise WorkflowError("Say why the device is reopened.", code="reason_required")
    locked = _move(device, S.ASSIGNED, by=by, note=reason)
    if locked.assigned_to_id is None:
        raise WorkflowError(f"{locked.job_number} has no technician to reopen it for.")
    locked.ready_at = None
    return _finish(locked, ["ready_at"])
