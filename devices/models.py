import datetime
import uuid
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone
from simple_history.models import HistoricalRecords

from telite.dates import format_day
from telite.models import TimeStampedModel

ZERO = Decimal("0.00")


def closed_at_expression() -> Coalesce:
    """When a device left the workshop: ready (repaired and billed), or returned unrepaired.
    The closed history's order and day filter and the dashboard's "Closed today" use it."""
    return Coalesce("ready_at", "returned_at")


class DeviceStatus(models.TextChoices):
    RECEIVED = "received", "Received (unassigned)"
    ASSIGNED = "assigned", "In repair (assigned)"
    READY = "ready", "Ready (delivery pending)"
    DELIVERED = "delivered", "Delivered"
    RETURNED = "returned", "Returned unrepaired"


class Device(TimeStampedModel):
    """A device taken in for repair: the job ticket (SPEC §2, §3).

    The status only changes through ``devices.workflow``; never assign it directly.
    """

    Status = DeviceStatus
    # Named groups so code asks "is it open?" instead of repeating lists.
    OPEN = (DeviceStatus.RECEIVED, DeviceStatus.ASSIGNED)  # still in the workshop
    TERMINAL = (DeviceStatus.DELIVERED, DeviceStatus.RETURNED)  # handed back
    # In the shop: being repaired, or repaired and waiting to be collected.
    IN_SHOP = (DeviceStatus.RECEIVED, DeviceStatus.ASSIGNED, DeviceStatus.READY)
    # Out of the workshop: repaired and billed, or returned unrepaired (the closed history).
    FINISHED = (DeviceStatus.READY, DeviceStatus.DELIVERED, DeviceStatus.RETURNED)

    job_number = models.CharField(
        "job number",
        max_length=20,
        unique=True,
        editable=False,
        help_text="Given at intake, e.g. J-2026-00042.",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name="customer",
    )
    device_name = models.CharField(
        "device type", max_length=60, help_text="Laptop, desktop, printer, monitor…"
    )
    brand = models.CharField("brand", max_length=60, blank=True)
    model = models.CharField("model", max_length=120, blank=True)
    serial_number = models.CharField("serial number", max_length=120, blank=True)
    issue_description = models.TextField(
        "issue",
        max_length=1000,
        help_text="The problem in the customer's words, e.g. “No power on”.",
    )
    accessories = models.CharField(
        "accessories received",
        max_length=300,
        blank=True,
        help_text="Charger, bag, cables… everything taken in with the device.",
    )
    condition = models.CharField(
        "condition at intake",
        max_length=300,
        blank=True,
        help_text="Scratches, cracks, missing screws: what was already there.",
    )
    password_note = models.CharField(
        "login / password note",
        max_length=120,
        blank=True,
        help_text="Only if the customer gives one for testing.",
    )
    expected_delivery_date = models.DateField("expected delivery date")
    expected_budget = models.DecimalField(
        "expected budget",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text="What the customer expects to spend, if they said.",
    )
    status = models.CharField(
        "status",
        max_length=10,
        choices=DeviceStatus.choices,
        default=DeviceStatus.RECEIVED,
        editable=False,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_devices",
        verbose_name="technician",
        editable=False,
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="devices_added",
        verbose_name="taken in by",
        editable=False,
    )
    received_at = models.DateTimeField("received at", default=timezone.now, editable=False)
    assigned_at = models.DateTimeField("assigned at", null=True, blank=True, editable=False)
    ready_at = models.DateTimeField("ready at", null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField("delivered at", null=True, blank=True, editable=False)
    returned_at = models.DateTimeField("returned at", null=True, blank=True, editable=False)
    return_reason = models.CharField("reason returned", max_length=300, blank=True, editable=False)
    # One key per rendered intake form: posting the same form twice takes one device in.
    intake_key = models.UUIDField(
        "intake form key", null=True, blank=True, unique=True, editable=False
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # An assigned device has a technician; an unassigned one has none.
            models.CheckConstraint(
                condition=~Q(status=DeviceStatus.ASSIGNED) | Q(assigned_to__isnull=False),
                name="device_assigned_has_technician",
            ),
            models.CheckConstraint(
                condition=~Q(status=DeviceStatus.RECEIVED) | Q(assigned_to__isnull=True),
                name="device_received_has_no_technician",
            ),
            models.CheckConstraint(
                condition=Q(expected_budget__isnull=True) | Q(expected_budget__gte=0),
                name="device_budget_not_negative",
            ),
        ]
        indexes = [
            # Lists filtered by status, newest first (assignment, delivery, history).
            models.Index(fields=["status", "-received_at"], name="device_status_recv_idx"),
            # A technician's own jobs.
            models.Index(fields=["assigned_to", "status"], name="device_tech_status_idx"),
            # Overdue: open devices by due date.
            models.Index(
                fields=["expected_delivery_date"],
                name="device_open_due_idx",
                condition=Q(status__in=["received", "assigned"]),
            ),
            models.Index(fields=["serial_number"], name="device_serial_idx"),
            # Device list, newest first (its default order), and "taken in today".
            models.Index(fields=["-received_at", "-id"], name="device_received_idx"),
            # Dashboard "closed today" (a day's range of ready_at).
            models.Index(fields=["ready_at"], name="device_ready_at_idx"),
            # Delivery-ready list, longest waiting first: only the ready devices. Without it
            # the planner walks device_ready_at_idx over ten years of delivered devices.
            models.Index(
                fields=["ready_at", "id"],
                name="device_ready_queue_idx",
                condition=Q(status="ready"),
            ),
            # Closed history, newest closed first: ORDER BY COALESCE(ready_at, returned_at).
            models.Index(
                closed_at_expression().desc(),
                F("id").desc(),
                name="device_closed_at_idx",
                condition=Q(status__in=["ready", "delivered", "returned"]),
            ),
        ]

    def __str__(self):
        return f"{self.job_number} · {self.device_name} {self.model}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN and self.expected_delivery_date < timezone.localdate()

    @property
    def days_late(self) -> int:
        return max(0, (timezone.localdate() - self.expected_delivery_date).days)

    @property
    def age_days(self) -> int:
        """Whole days since the device was taken in (shop time zone)."""
        return (timezone.localdate() - timezone.localtime(self.received_at).date()).days

    @property
    def title(self) -> str:
        return " ".join(p for p in (self.brand, self.device_name, self.model) if p)


class JobCounter(models.Model):
    """The last job number handed out in a year; locked while the next is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class DeviceEvent(models.Model):
    """One entry on a device's timeline: who did what, when, from what to what."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Taken in"
        ASSIGNED = "assigned", "Assigned"
        REASSIGNED = "reassigned", "Reassigned"
        DEADLINE = "deadline", "Deadline changed"
        SERVICE = "service", "Service updated"
        PART_ADDED = "part_added", "Spare part added"
        PART_REMOVED = "part_removed", "Spare part removed"
        PART_CHANGED = "part_changed", "Spare part corrected"
        READY = "ready", "Repair done, bill closed"
        DELIVERED = "delivered", "Delivered"
        RETURNED = "returned", "Returned unrepaired"
        REOPENED = "reopened", "Reopened"
        PAYMENT = "payment", "Payment received"
        REFUND = "refund", "Refund paid"
        PAYMENT_REVERSED = "payment_reversed", "Payment reversed"
        BILL_CHANGED = "bill_changed", "Bill changed"
        MESSAGED = "messaged", "Customer told on WhatsApp"
        NOTE = "note", "Note"

    class Message(models.TextChoices):
        """What a MESSAGED entry told the customer (its ``to_value``; ``devices.notify``)."""

        JOB_DETAILS = "job_details", "Job details and promised date"
        READY = "ready_to_collect", "Ready for collection"

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("what", max_length=20, choices=Kind.choices)
    from_value = models.CharField("from", max_length=200, blank=True)
    to_value = models.CharField("to", max_length=200, blank=True)
    note = models.TextField("note", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="by"
    )
    at = models.DateTimeField("when", default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["device", "at"], name="event_device_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}, {format_day(self.at, with_time=True)}"

    @property
    def from_display(self) -> str:
        return self._display(self.from_value)

    @property
    def to_display(self) -> str:
        return self._display(self.to_value)

    def _display(self, value: str) -> str:
        if self.kind == self.Kind.DEADLINE:
            return _date_label(value)
        if self.kind == self.Kind.MESSAGED:
            return str(self.Message(value).label) if value in self.Message.values else value
        return _status_label(value)


def _status_label(value: str) -> str:
    """Moves store status codes ("ready"); the timeline shows their labels."""
    return str(DeviceStatus(value).label) if value in DeviceStatus.values else value


def _date_label(value: str) -> str:
    """Deadline changes store ISO dates ("2026-11-21"); the timeline shows "21 Nov 2026"."""
    try:
        return dateformat.format(datetime.date.fromisoformat(value), "j M Y")
    except ValueError:
        return value


def photo_upload_to(instance, filename):
    # Server-made names: the customer's file name never reaches the disk.
    suffix = PurePath(filename).suffix.lower()[:5] or ".jpg"
    return f"device-photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class DevicePhoto(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("photo", upload_to=photo_upload_to)
    caption = models.CharField("caption", max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # One key per rendered "add photos" form, shared by the photos it sent: the same form sent
    # twice (a double click on a slow upload, a resent page) adds its photos once.
    upload_key = models.UUIDField("upload form key", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["upload_key"], name="photo_upload_key_idx")]

    def __str__(self):
        return f"Photo of {self.device_id}"


class Service(TimeStampedModel):
    """The work record of a device: diagnosis, work done, labour charge, spare parts."""

    device = models.OneToOneField(Device, on_delete=models.CASCADE, related_name="service")
    diagnosis = models.TextField("diagnosis", max_length=2000, blank=True)
    work_done = models.TextField("work done", max_length=2000, blank=True)
    labour_charge = models.DecimalField(
        "labour charge",
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(labour_charge__gte=0), name="service_labour_not_negative"
            ),
        ]

    def __str__(self):
        return f"Service of {self.device}"


# The most of one part or charge a bill line takes: past it is a typing slip (and a larger
# number overflows the quantity column on PostgreSQL).
MAX_QUANTITY = 9999


class SparePart(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField("part", max_length=120)
    quantity = models.PositiveIntegerField("quantity", default=1)
    unit_cost = models.DecimalField(
        "unit price", max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(default=timezone.now)
    # One key per rendered "add a part" form: the same form posted twice (a double click
    # without JavaScript, a resent page) adds the part once.
    idempotency_key = models.UUIDField(
        "part form key", null=True, blank=True, unique=True, editable=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="part_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="part_cost_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} × {self.quantity}"

    @property
    def line_total(self) -> Decimal:
        return (self.unit_cost * self.quantity).quantize(Decimal("0.01"))
