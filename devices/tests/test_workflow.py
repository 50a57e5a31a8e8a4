"""Every legal and every illegal move of SPEC §2, with the events they record."""

import datetime
import itertools

import pytest
from django.utils import timezone

from devices import workflow
from devices.models import Device, DeviceEvent, DeviceStatus
from devices.tests.factories import DeviceFactory
from devices.workflow import WorkflowError

S = DeviceStatus
Kind = DeviceEvent.Kind

# SPEC §2, written out by hand (not derived from the module under test).
LEGAL_PAIRS = {
    (S.RECEIVED, S.ASSIGNED),
    (S.ASSIGNED, S.ASSIGNED),  # reassign
    (S.ASSIGNED, S.READY),
    (S.READY, S.DELIVERED),
    (S.RECEIVED, S.RETURNED),
    (S.ASSIGNED, S.RETURNED),
    (S.READY, S.ASSIGNED),  # reopen
}
ALL_PAIRS = list(itertools.product(S.values, S.values))

# move -> (the states it starts from, where it ends, the event kind it records)
EXPECTED_MOVES = {
    "assign": ({S.RECEIVED}, S.ASSIGNED, Kind.ASSIGNED),
    "reassign": ({S.ASSIGNED}, S.ASSIGNED, Kind.REASSIGNED),
    "ready": ({S.ASSIGNED}, S.READY, Kind.READY),
    "deliver": ({S.READY}, S.DELIVERED, Kind.DELIVERED),
    "return": ({S.RECEIVED, S.ASSIGNED}, S.RETURNED, Kind.RETURNED),
    "reopen": ({S.READY}, S.ASSIGNED, Kind.REOPENED),
}


def make_device(status, technician):
    assigned = technician if status != S.RECEIVED else None
    now = timezone.now()
    return DeviceFactory(
        status=status,
        assigned_to=assigned,
        assigned_at=now if assigned else None,
        ready_at=now if status in (S.READY, S.DELIVERED) else None,
        delivered_at=now if status == S.DELIVERED else None,
        returned_at=now if status == S.RETURNED else None,
    )


def perform(move, device, *, by, technician, other_technician):
    if move == "assign":
        return workflow.device_assign(device=device, technician=technician, by=by)
    if move == "reassign":
        return workflow.device_reassign(
            device=device, technician=other_technician, by=by, note="Arun is on leave"
        )
    if move == "ready":
        return workflow.device_mark_ready(device=device, by=by)
    if move == "deliver":
        return workflow.device_deliver(device=device, by=by)
    if move == "return":
        return workflow.device_return(device=device, by=by, reason="Customer declined")
    if move == "reopen":
        return workflow.device_reopen(device=device, by=by, reason="Fan still noisy")
    raise AssertionError(move)


def test_transitions_are_exactly_the_moves_of_the_spec():
    assert set(workflow.TRANSITIONS) == LEGAL_PAIRS


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_can_move_allows_only_the_legal_pairs(source, target):
    device = Device(status=source)
    assert workflow.can_move(device, target) is ((source, target) in LEGAL_PAIRS)


# What each workflow function does from each state it accepts: (target, event kind).
# device_reassign also takes an overdue device nobody picked up (received): it assigns it.
FUNCTION_RESULTS = {
    (move, source): (target, kind)
    for move, (sources, target, kind) in EXPECTED_MOVES.items()
    for source in sources
}
FUNCTION_RESULTS[("reassign", S.RECEIVED)] = (S.ASSIGNED, Kind.ASSIGNED)


@pytest.mark.django_db
@pytest.mark.parametrize(("move", "source"), list(itertools.product(EXPECTED_MOVES, S.values)))
def test_every_move_from_every_state(move, source, manager, technician, other_technician):
    device = make_device(source, technician)
    events_before = DeviceEvent.objects.filter(device=device).count()

    if (move, source) in FUNCTION_RESULTS:
        target, kind = FUNCTION_RESULTS[(move, source)]
        moved = perform(
            move, device, by=manager, technician=technician, other_technician=other_technician
        )
        device.refresh_from_db()
        assert device.status == target == moved.status
        event = DeviceEvent.objects.filter(device=device).latest("at", "pk")
        assert event.kind == kind
        assert event.by == manager
        assert DeviceEvent.objects.filter(device=device).count() == events_before + 1
        if move not in ("assign", "reassign"):
            assert (event.from_value, event.to_value) == (source, target)
    else:
        with pytest.raises(WorkflowError) as refused:
            perform(
                move, device, by=manager, technician=technician, other_technician=other_technician
            )
        message = " ".join(refused.value.messages)
        assert device.job_number in message
        device.refresh_from_db()
        assert device.status == source
        assert DeviceEvent.objects.filter(device=device).count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("source", S.values)
def test_allowed_moves_lists_the_moves_that_succeed(source, technician):
    device = make_device(source, technician)
    expected = [name for name, (sources, _t, _k) in EXPECTED_MOVES.items() if source in sources]
    assert workflow.allowed_moves(device) == expected


@pytest.mark.django_db
def test_assign_sets_technician_and_records_who_from_and_to(manager, technician):
    device = make_device(S.RECEIVED, None)
    workflow.device_assign(device=device, technician=technician, by=manager, note="urgent")
    device.refresh_from_db()
    assert device.assigned_to == technician
    assert device.assigned_at is not None
    event = device.events.get()
    assert (event.from_value, event.to_value, event.note) == (
        "unassigned",
        str(technician),
        "urgent",
    )


@pytest.mark.django_db
def test_assigning_an_assigned_device_says_who_has_it(manager, technician, other_technician):
    device = make_device(S.ASSIGNED, technician)
    with pytest.raises(WorkflowError, match="already assigned to Arun"):
        workflow.device_assign(device=device, technician=other_technician, by=manager)


@pytest.mark.django_db
def test_delivering_a_device_that_is_not_ready_is_refused_clearly(manager, technician):
    device = make_device(S.ASSIGNED, technician)
    with pytest.raises(WorkflowError, match="only a device that is ready"):
        workflow.device_deliver(device=device, by=manager)


@pytest.mark.django_db
def test_assigning_a_delivered_device_says_it_was_handed_back(manager, technician):
    device = make_device(S.DELIVERED, technician)
    with pytest.raises(WorkflowError, match="already been handed back"):
        workflow.device_assign(device=device, technician=technician, by=manager)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["inactive", "not_technician", "none"])
def test_assign_refuses_anyone_but_an_active_technician(who, manager, technician, front_desk):
    device = make_device(S.RECEIVED, None)
    if who == "inactive":
        technician.is_active = False
        technician.save()
        target = technician
    elif who == "not_technician":
        target = front_desk
    else:
        target = None
    with pytest.raises(WorkflowError, match="active technician"):
        workflow.device_assign(device=device, technician=target, by=manager)
    device.refresh_from_db()
    assert device.status == S.RECEIVED
    assert not device.events.exists()


@pytest.mark.django_db
def test_reassign_needs_a_reason(manager, technician, other_technician):
    device = make_device(S.ASSIGNED, technician)
    with pytest.raises(WorkflowError, match="reason"):
        workflow.device_reassign(device=device, technician=other_technician, by=manager, note=" ")
    assert not device.events.exists()


@pytest.mark.django_db
def test_reassign_with_a_new_date_records_both_changes(manager, technician, other_technician):
    device = make_device(S.ASSIGNED, technician)
    new_date = timezone.localdate() + datetime.timedelta(days=5)
    workflow.device_reassign(
        device=device,
        technician=other_technician,
        by=manager,
        note="Waiting for a part",
        expected_delivery_date=new_date,
    )
    device.refresh_from_db()
    assert device.assigned_to == other_technician
    assert device.expected_delivery_date == new_date
    kinds = list(device.events.values_list("kind", "note"))
    assert kinds == [(Kind.REASSIGNED, "Waiting for a part"), (Kind.DEADLINE, "Waiting for a part")]


@pytest.mark.django_db
def test_reassign_to_the_same_technician_with_only_a_new_date(manager, technician):
    device = make_device(S.ASSIGNED, technician)
    new_date = timezone.localdate() + datetime.timedelta(days=2)
    workflow.device_reassign(
        device=device,
        technician=technician,
        by=manager,
        note="More time",
        expected_delivery_date=new_date,
    )
    assert list(device.events.values_list("kind", flat=True)) == [Kind.DEADLINE]


@pytest.mark.django_db
def test_reassign_that_changes_nothing_is_refused(manager, technician):
    device = make_device(S.ASSIGNED, technician)
    with pytest.raises(WorkflowError, match="already with"):
        workflow.device_reassign(device=device, technician=technician, by=manager, note="why")
    assert not device.events.exists()


@pytest.mark.django_db
def test_reassigning_an_unassigned_overdue_device_assigns_it(manager, technician):
    device = make_device(S.RECEIVED, None)
    workflow.device_reassign(
        device=device, technician=technician, by=manager, note="Nobody took it"
    )
    device.refresh_from_db()
    assert device.status == S.ASSIGNED
    assert device.assigned_to == technician
    assert device.events.get().kind == Kind.ASSIGNED


@pytest.mark.django_db
def test_deadline_cannot_move_into_the_past(manager, technician):
    device = make_device(S.ASSIGNED, technician)
    with pytest.raises(WorkflowError, match="cannot be in the past"):
        workflow.device_set_deadline(
            device=device,
            expected_delivery_date=timezone.localdate() - datetime.timedelta(days=1),
            by=manager,
        )
    assert not device.events.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.READY, S.DELIVERED, S.RETURNED])
def test_deadline_of_a_device_out_of_the_workshop_cannot_change(status, manager, technician):
    device = make_device(status, technician)
    with pytest.raises(WorkflowError, match="no longer in the workshop"):
        workflow.device_set_deadline(
            device=device,
            expected_delivery_date=timezone.localdate() + datetime.timedelta(days=1),
            by=manager,
        )


@pytest.mark.django_db
def test_deadline_change_records_old_and_new_dates(manager, technician):
    device = make_device(S.RECEIVED, technician)
    old = device.expected_delivery_date
    new = old + datetime.timedelta(days=4)
    workflow.device_set_deadline(device=device, expected_delivery_date=new, by=manager, note="x")
    event = device.events.get()
    assert (event.kind, event.from_value, event.to_value) == (
        Kind.DEADLINE,
        old.isoformat(),
        new.isoformat(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("move", ["return", "reopen"])
def test_return_and_reopen_need_a_reason(move, manager, technician):
    device = make_device(S.READY if move == "reopen" else S.ASSIGNED, technician)
    func = workflow.device_reopen if move == "reopen" else workflow.device_return
    with pytest.raises(WorkflowError, match="Say why"):
        func(device=device, by=manager, reason="")
    assert not device.events.exists()


@pytest.mark.django_db
def test_return_keeps_the_reason_and_reopen_clears_ready(manager, technician):
    returned = workflow.device_return(
        device=make_device(S.RECEIVED, None), by=manager, reason=" Beyond repair "
    )
    assert returned.return_reason == "Beyond repair"
    assert returned.returned_at is not None
    reopened = workflow.device_reopen(
        device=make_device(S.READY, technician), by=manager, reason="Still noisy"
    )
    reopened.refresh_from_db()
    assert reopened.ready_at is None
    assert reopened.assigned_to == technician
    assert reopened.status == S.ASSIGNED
