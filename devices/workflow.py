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
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from .models import Device, DeviceEvent, DeviceStatus

S = DeviceStatus
Kind = DeviceEvent.Kind


class WorkflowError(ValidationError):
    """An illegal move; the message says why in words a clerk understands."""


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    kind: str
    # Why the move is refused from a state it does not start from ({job}, {status}).
    refusal: str


# Each named move: the states it starts from, where it goes, the event it records. Two moves
# end in "assigned" from different states (assign from received, reopen from ready), so a
# move is chosen by name, never guessed from the target state.
MOVES: dict[str, Move] = {
    "assign": Move(
        (S.RECEIVED,),
        S.ASSIGNED,
        Kind.ASSIGNED,
        "{job} cannot be assigned: only an unassigned device can be (status: {status}).",
    ),
    "reassign": Move(
        (S.ASSIGNED,),
        S.ASSIGNED,
        Kind.REASSIGNED,
        "{job} cannot be reassigned: only a device in repair can be (status: {status}).",
    ),
    "ready": Move(
        (S.ASSIGNED,),
        S.READY,
        Kind.READY,
        "{job} cannot be marked ready: only a device being repaired by a technician can be "
        "(status: {status}).",
    ),
    "deliver": Move(
        (S.READY,),
        S.DELIVERED,
        Kind.DELIVERED,
        "{job} cannot be delivered: only a device that is ready (repaired and billed) can be "
        "handed over (status: {status}).",
    ),
    "return": Move(
        (S.RECEIVED, S.ASSIGNED),
        S.RETURNED,
        Kind.RETURNED,
        "{job} cannot be returned unrepaired: only a device still in the workshop can be "
        "(status: {status}). Reopen it first if it must go back to the workshop.",
    ),
    "reopen": Move(
        (S.READY,),
        S.ASSIGNED,
        Kind.REOPENED,
        "{job} cannot be reopened: only a device that is ready (waiting for delivery) can be "
        "(status: {status}).",
    ),
}

# (from, to) -> event kind: every legal change of state, derived from MOVES.
TRANSITIONS: dict[tuple[str, str], str] = {
    (source, move.target): move.kind for move in MOVES.values() for source in move.sources
}


def can_move(device: Device, to: str) -> bool:
    return (device.status, to) in TRANSITIONS


def allowed_moves(device: Device) -> list[str]:
    """Names of the moves (keys of MOVES) possible from the device's current state."""
    return [name for name, move in MOVES.items() if device.status in move.sources]


def _lock(device: Device) -> Device:
    return Device.objects.select_for_update().get(pk=device.pk)


def _refuse(device: Device, move: Move):
    status = device.get_status_display().lower()
    if device.status in Device.TERMINAL:
        msg = f"{device.job_number} has already been handed back ({status}); it cannot change."
    elif device.status == S.READY and move.target == S.READY:
        msg = f"{device.job_number} is already closed and waiting for delivery."
    elif device.status == S.ASSIGNED and move is MOVES["assign"]:
        msg = (
            f"{device.job_number} is already assigned to {device.assigned_to}. "
            "Reassign it from the overdue page or the service page instead."
        )
    else:
        msg = move.refusal.format(job=device.job_number, status=status)
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


def _move(
    device: Device,
    name: str,
    *,
    by,
    note="",
    from_value=None,
    to_value=None,
    fields=(),
    apply=None,
) -> Device:
    """Lock, check the move is legal from the current state, change, save, record."""
    move = MOVES[name]
    locked = _lock(device)
    if locked.status not in move.sources:
        _refuse(locked, move)
    before = locked.status
    if apply is not None:
        apply(locked)
    locked.status = move.target
    locked.save(update_fields=[*fields, "status", "updated_at"])
    record_event(
        locked,
        kind=move.kind,
        by=by,
        from_value=before if from_value is None else from_value,
        to_value=move.target if to_value is None else to_value,
        note=note,
    )
    return locked


# A promise further out than this is a slip of the keyboard (2062 for 2026), not a repair.
PROMISE_HORIZON_DAYS = 365


def check_promise_horizon(day: datetime.date | None, *, field: str | None = None) -> None:
    """Refuse a promised delivery date more than PROMISE_HORIZON_DAYS away (intake, a new
    deadline, the forms and the back office all ask this). With ``field``, the refusal names
    it (a service's error); without, it is a form field's validator."""
    latest = timezone.localdate() + datetime.timedelta(days=PROMISE_HORIZON_DAYS)
    if day and day > latest:
        error = ValidationError(
            f"Pick a date within a year (by {date_format(latest, 'j M Y')}).",
            code="date_too_far",
        )
        raise ValidationError({field: error}) if field else error


def _check_technician(technician) -> None:
    if technician is None or not technician.is_active or not technician.is_technician:
        raise WorkflowError(
            "Choose an active technician to assign the device to.", code="bad_technician"
        )


@transaction.atomic
def device_assign(*, device: Device, technician, by, note: str = "") -> Device:
    """Give an unassigned device to a technician (received -> assigned)."""
    _check_technician(technician)

    def apply(d):
        d.assigned_to = technician
        d.assigned_at = timezone.now()

    return _move(
        device,
        "assign",
        by=by,
        note=note,
        from_value="unassigned",
        to_value=str(technician),
        fields=["assigned_to", "assigned_at"],
        apply=apply,
    )


@transaction.atomic
def device_reassign(
    *, device: Device, technician, by, note: str, expected_delivery_date=None
) -> Device:
    """Hand a device in the workshop to a technician, optionally with a new deadline.

    A reason is required: the timeline must say why the work moved. A device nobody has
    picked up yet (received) is assigned; one in repair changes hands (assigned -> assigned).
    Choosing the same technician and no new date changes nothing and is refused.
    """
    _check_technician(technician)
    if not (note or "").strip():
        raise WorkflowError("Give a reason for the reassignment.", code="reason_required")
    locked = _lock(device)
    if locked.status == S.RECEIVED:
        locked = device_assign(device=locked, technician=technician, by=by, note=note)
        return _maybe_deadline(locked, expected_delivery_date, by, note)
    if locked.status != S.ASSIGNED:
        _refuse(locked, MOVES["reassign"])
    previous = locked.assigned_to
    new_date = (
        expected_delivery_date if expected_delivery_date != locked.expected_delivery_date else None
    )
    if previous.pk == technician.pk and new_date is None:
        raise WorkflowError(
            f"{locked.job_number} is already with {technician}. Choose another technician "
            "or a new expected date.",
            code="nothing_to_change",
        )
    if previous.pk != technician.pk:

        def apply(d):
            d.assigned_to = technician
            d.assigned_at = timezone.now()

        locked = _move(
            locked,
            "reassign",
            by=by,
            note=note,
            from_value=str(previous),
            to_value=str(technician),
            fields=["assigned_to", "assigned_at"],
            apply=apply,
        )
    return _maybe_deadline(locked, new_date, by, note)


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
            f"{locked.job_number} is no longer in the workshop; its deadline cannot change.",
            code="illegal_move",
        )
    if expected_delivery_date < timezone.localdate():
        raise WorkflowError(
            "The new expected delivery date cannot be in the past.", code="date_in_past"
        )
    check_promise_horizon(expected_delivery_date, field="expected_delivery_date")
    before = locked.expected_delivery_date
    if expected_delivery_date == before:
        return locked
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

    def apply(d):
        d.ready_at = timezone.now()

    return _move(device, "ready", by=by, note=note, fields=["ready_at"], apply=apply)


@transaction.atomic
def device_deliver(*, device: Device, by, note: str = "") -> Device:
    """Hand a ready device back to its customer (ready -> delivered).

    Billing decides whether a balance may still be due; this only guards the state.
    """

    def apply(d):
        d.delivered_at = timezone.now()

    return _move(device, "deliver", by=by, note=note, fields=["delivered_at"], apply=apply)


@transaction.atomic
def device_return(*, device: Device, by, reason: str, note: str = "") -> Device:
    """Hand a device back unrepaired (received/assigned -> returned). A reason is required;
    ``note``, if given, is what the timeline says instead of the reason alone."""
    if not (reason or "").strip():
        raise WorkflowError("Say why the device is returned unrepaired.", code="reason_required")

    def apply(d):
        d.returned_at = timezone.now()
        d.return_reason = reason.strip()[:300]

    return _move(
        device,
        "return",
        by=by,
        note=note or reason.strip(),
        fields=["returned_at", "return_reason"],
        apply=apply,
    )


@transaction.atomic
def device_reopen(*, device: Device, by, reason: str) -> Device:
    """Send a ready device back to the workshop (ready -> assigned), to its technician.

    Managers and admins only (checked by the caller); billing voids the bill alongside.
    """
    if not (reason or "").strip():
        raise WorkflowError("Say why the device is reopened.", code="reason_required")
    locked = _lock(device)
    if locked.status == S.READY and locked.assigned_to_id is None:
        raise WorkflowError(
            f"{locked.job_number} has no technician to reopen it for.", code="no_technician"
        )

    def apply(d):
        d.ready_at = None

    moved = _move(
        locked,
        "reopen",
        by=by,
        note=reason.strip(),
        to_value=S.ASSIGNED,
        fields=["ready_at"],
        apply=apply,
    )
    _forget_closed_total()
    return moved


def _forget_closed_total():
    """The dashboard keeps "closed before today" for the day; a reopened device leaves it."""
    from django.core.cache import cache

    from telite.dashboard import closed_before_key
    from telite.pagecache import forget_after_commit

    key = closed_before_key(timezone.localdate())
    cache.delete(key)
    forget_after_commit(lambda: cache.delete(key))
