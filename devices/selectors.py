"""Reads that pages share, each with the joins its template needs (no query per row)."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from .models import Device, DeviceEvent, DeviceStatus, Service, SparePart

# What list rows show (devices.rows): the lists read these columns only. Half a dozen
# timestamps per device, and the customer's and technician's other columns, cost as much
# to convert into Python as the rest of the row; a field missing here would be one query
# per row (the lists' query-count tests catch that).
LIST_FIELDS = (
    "job_number",
    "device_name",
    "brand",
    "model",
    "serial_number",
    "issue_description",
    "status",
    "expected_delivery_date",
    "received_at",
    "ready_at",
    "returned_at",
    "customer",
    "customer__name",
    "customer__whatsapp_number",
    "assigned_to",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__username",
)


def devices_for_lists() -> QuerySet[Device]:
    return Device.objects.select_related("customer", "assigned_to").only(*LIST_FIELDS)


def mine_first(queryset: QuerySet[Device], user, *then) -> QuerySet[Device]:
    """A technician's own jobs still in the workshop on top (SPEC §7), then ``then``."""
    if getattr(user, "is_technician", False):
        queryset = queryset.annotate(
            not_mine=Case(
                When(assigned_to=user.pk, status__in=Device.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        return queryset.order_by("not_mine", *then)
    return queryset.order_by(*then)


def unassigned_devices() -> QuerySet[Device]:
    """Taken in, waiting for a technician: oldest first (they have waited longest)."""
    return devices_for_lists().filter(status=DeviceStatus.RECEIVED).order_by("received_at", "pk")


def overdue_devices(user=None, *, today: datetime.date | None = None) -> QuerySet[Device]:
    """Open devices past their expected date, most late first (a technician's own on top)."""
    today = today or timezone.localdate()
    queryset = devices_for_lists().filter(status__in=Device.OPEN, expected_delivery_date__lt=today)
    return mine_first(queryset, user, "expected_delivery_date", "received_at", "pk")


def active_technicians():
    """People work can be given to, with how many open jobs each holds (one query)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_technician=True)
        # The status goes into the JOIN (not a FILTER over every device ever assigned), so
        # the partial index over open devices serves it: constant time at any history.
        .annotate(
            in_repair=FilteredRelation(
                "assigned_devices", condition=Q(assigned_devices__status=DeviceStatus.ASSIGNED)
            )
        )
        .annotate(open_jobs=Count("in_repair"))
        .order_by("first_name", "username")
    )


def device_for_service(pk: int) -> Device:
    return (
        Device.objects.select_related("customer", "assigned_to", "added_by")
        .prefetch_related("photos")
        .get(pk=pk)
    )


def service_parts(device: Device) -> tuple[Service, list[SparePart]]:
    """The service record (an unsaved, empty one if none exists yet) and its parts."""
    service = Service.objects.filter(device=device).select_related("updated_by").first()
    if service is None:
        return Service(device=device), []
    return service, list(service.parts.all())


# Events one action records together (a reassignment with a new date: "Reassigned" and
# "Deadline changed") carry the same reason; the timeline shows it once.
SAME_ACTION_WITHIN = datetime.timedelta(seconds=60)


def device_timeline(device: Device) -> list[DeviceEvent]:
    """The device's events, oldest first. An event whose reason repeats the one just before
    it (same person, same note, within a minute: one action) has ``repeats_note`` set."""
    events = list(device.events.select_related("by").order_by("at", "pk"))
    for before, event in zip([None, *events], events, strict=False):
        event.repeats_note = bool(
            before is not None
            and event.note
            and event.note == before.note
            and event.by_id == before.by_id
            and event.at - before.at <= SAME_ACTION_WITHIN
        )
    return events


def device_advances(device: Device) -> list:
    """Advances taken for the device (before its bill), for the intake slip: those that
    stand (a reversed one was entered by mistake)."""
    from billing.models import Payment

    return list(
        Payment.objects.filter(device=device, is_advance=True, reversal__isnull=True).order_by(
            "received_at"
        )
    )


def jobs_in_repair_of(user) -> list[str]:
    """Job numbers of the devices ``user`` holds in repair, soonest due first."""
    return list(
        Device.objects.filter(assigned_to=user, status=DeviceStatus.ASSIGNED)
        .order_by("expected_delivery_date", "pk")
        .values_list("job_number", flat=True)
    )
