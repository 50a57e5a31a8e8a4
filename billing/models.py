import copy
import time
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from simple_history.models import HistoricalRecords

from telite.dates import format_day
from telite.models import TimeStampedModel

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class ShopSettings(models.Model):
    """The shop's own details, printed on slips and bills. One row (pk=1)."""

    shop_name = models.CharField("shop name", max_length=120, default="TELITE Service Centre")
    address = models.TextField("address", max_length=300, blank=True)
    phone = models.CharField("phone", max_length=40, blank=True)
    email = models.EmailField("email", blank=True)
    tax_id = models.CharField(
        "tax id (GSTIN)", max_length=30, blank=True, help_text="Printed on every bill."
    )
    logo = models.ImageField("logo", upload_to="shop/", blank=True)
    bill_footer = models.TextField(
        "bill footer / terms",
        max_length=800,
        blank=True,
        default="Goods once delivered will not be taken back. Warranty on replaced parts "
        "as per manufacturer. Devices not collected within 60 days of intimation may be "
        "disposed of.",
    )
    intake_terms = models.TextField(
        "intake slip terms",
        max_length=800,
        blank=True,
        default="Please bring this slip when collecting the device. Estimates may change "
        "after diagnosis; we will call you before any extra work. We are not responsible "
        "for data loss: keep a backup.",
    )
    currency_symbol = models.CharField("currency symbol", max_length=5, default="₹")
    staff_discount_limit = money_field(
        "largest discount staff may give",
        default=None,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="At closing, in rupees. Leave empty for no limit. A bigger discount is given "
        "by a manager or the owner, who closes the repair themselves.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "shop settings"
        verbose_name_plural = "shop settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="shop_settings_singleton")]

    def __str__(self):
        return self.shop_name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ShopSettings":
        """The row, read at most once a minute per process (every page shows it, often
        twice). Saving or deleting it empties this process's copy at once (signals in
        ``billing.apps``); another worker process sees the change within
        ``SHOP_SETTINGS_TTL`` seconds. Each caller gets its own copy to change freely."""
        cached = _shop_settings_cache.get("row")
        if cached is None or time.monotonic() - cached[0] > SHOP_SETTINGS_TTL:
            obj, _ = cls.objects.get_or_create(pk=1)
            cached = (time.monotonic(), obj)
            _shop_settings_cache["row"] = cached
        return copy.copy(cached[1])


# Seconds a process trusts its copy of the shop settings (see ShopSettings.load).
SHOP_SETTINGS_TTL = 60
_shop_settings_cache: dict = {}


def forget_shop_settings(**kwargs) -> None:
    """Signal receiver (and test fixture): the next ``ShopSettings.load()`` reads the row.

    Again once the transaction commits, in case the row was read back meanwhile."""
    from telite.pagecache import forget_after_commit

    _shop_settings_cache.clear()
    if kwargs.get("sender") is not None:
        forget_after_commit(_shop_settings_cache.clear, using=kwargs.get("using"))


class BillCounter(models.Model):
    """Last bill sequence of an Indian financial year ("2026-27"); locked while allocating."""

    financial_year = models.CharField(max_length=7, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.financial_year}: {self.last_number}"


class BillStatus(models.TextChoices):
    OPEN = "open", "Unpaid"
    PARTLY_PAID = "partly_paid", "Partly paid"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


class BillKind(models.TextChoices):
    REPAIR = "repair", "Repair"
    INSPECTION = "inspection", "Inspection charge (returned unrepaired)"


class Bill(TimeStampedModel):
    """The bill of a device, issued when the repair is closed (SPEC §3, §6).

    Lines are copied from the service at closing, so later edits to the service do not
    change an issued bill. A bill is never deleted: a reopened device's bill is voided with
    a reason and a new one is issued when it closes again. ``amount_received`` is the sum
    of the bill's payments less any refund made when it was issued; it only changes under
    a lock on the bill (``billing.services``).
    """

    Status = BillStatus
    Kind = BillKind
    ACTIVE = (BillStatus.OPEN, BillStatus.PARTLY_PAID, BillStatus.PAID)

    device = models.ForeignKey(
        "devices.Device", on_delete=models.PROTECT, related_name="bills", verbose_name="device"
    )
    kind = models.CharField(
        "bill for", max_length=12, choices=BillKind.choices, default=BillKind.REPAIR, editable=False
    )
    number = models.CharField("bill number", max_length=30, unique=True, editable=False)
    financial_year = models.CharField("financial year", max_length=7, editable=False)
    sequence = models.PositiveIntegerField("sequence", editable=False)
    issued_at = models.DateTimeField("bill date", default=timezone.now, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    subtotal = money_field("subtotal", editable=False)
    discount = money_field("discount", validators=[MinValueValidator(ZERO)])
    bill_value = money_field("total", editable=False)
    amount_received = money_field("amount received", editable=False)
    status = models.CharField(
        "status",
        max_length=12,
        choices=BillStatus.choices,
        default=BillStatus.OPEN,
        editable=False,
    )
    notes = models.TextField(
        "notes on the bill",
        # Printed on a one-page bill: a few lines, not a letter.
        max_length=500,
        blank=True,
        help_text="Printed on the bill, e.g. warranty on the replaced part.",
    )
    void_reason = models.CharField("reason voided", max_length=300, blank=True, editable=False)
    voided_at = models.DateTimeField("voided at", null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Cached PDF, valid while pdf_version == version (bumped on every change) and pdf_stamp
    # is the stamp of the device, customer and shop details it printed
    # (``billing.selectors.printed_details_stamp``).
    version = models.PositiveIntegerField(default=1, editable=False)
    pdf_file = models.FileField(upload_to="bills/", blank=True, editable=False)
    pdf_version = models.PositiveIntegerField(default=0, editable=False)
    pdf_stamp = models.CharField(max_length=80, blank=True, default="", editable=False)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "pdf_file", "pdf_version", "pdf_stamp"]
    )

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            # One live bill per device; voided ones stay for the books.
            models.UniqueConstraint(
                fields=["device"], condition=~Q(status="void"), name="bill_one_active_per_device"
            ),
            models.UniqueConstraint(
                fields=["financial_year", "sequence"], name="bill_unique_sequence_per_year"
            ),
            models.CheckConstraint(condition=Q(discount__gte=0), name="bill_discount_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__lte=F("subtotal")), name="bill_discount_within_subtotal"
            ),
            # Rounded: SQLite subtracts decimals as floating point (600.30 - 100 is
            # 500.29999…), PostgreSQL's numeric is exact either way.
            models.CheckConstraint(
                condition=Q(bill_value=Round(F("subtotal") - F("discount"), 2)),
                name="bill_total_is_subtotal_less_discount",
            ),
            models.CheckConstraint(condition=Q(bill_value__gte=0), name="bill_value_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_received__gte=0), name="bill_received_not_negative"
            ),
            # Balance never below zero (voided bills keep their history as it was).
            models.CheckConstraint(
                condition=Q(status="void") | Q(amount_received__lte=F("bill_value")),
                name="bill_balance_not_negative",
            ),
        ]
        indexes = [
            # Bills issued in a period (dashboard "bills today", the books).
            models.Index(fields=["issued_at"], name="bill_issued_at_idx"),
            models.Index(fields=["status"], name="bill_status_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def pdf_filename(self) -> str:
        """``TB/2026-27/00042`` -> ``TB-2026-27-00042.pdf``."""
        return self.number.replace("/", "-") + ".pdf"

    def pdf_is_current(self, stamp: str) -> bool:
        """Whether the stored PDF prints this version of the bill and, ``stamp``, the
        device, customer and shop details as they are now."""
        return bool(self.pdf_file) and self.pdf_version == self.version and self.pdf_stamp == stamp

    @property
    def balance(self) -> Decimal:
        return self.bill_value - self.amount_received

    @property
    def is_void(self) -> bool:
        return self.status == BillStatus.VOID


class BillLine(models.Model):
    class Kind(models.TextChoices):
        LABOUR = "labour", "Labour"
        PART = "part", "Spare part"
        CHARGE = "charge", "Charge"

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Room for a labour line: "Labour: " and the whole of the service's work done (2,000).
    description = models.CharField("description", max_length=2100)
    quantity = models.PositiveIntegerField("quantity", default=1)
    unit_price = money_field("unit price")
    amount = money_field("amount")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="billline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="billline_price_not_negative"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="billline_amount_not_negative"),
        ]

    def __str__(self):
        return self.description


class BillChange(models.Model):
    """A recorded change to an issued bill (SPEC §3): who, when, why, before and after.

    Managers change a closed bill only through ``billing.services.bill_correct``; rows here
    are never edited or deleted (pretix keeps invoices immutable in the same spirit).
    """

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="by"
    )
    changed_at = models.DateTimeField("when", default=timezone.now)
    reason = models.TextField("reason")
    summary = models.TextField("what changed")
    before = models.JSONField("before", default=dict)
    after = models.JSONField("after", default=dict)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = "bill change"
        constraints = [
            # A correction without a reason is exactly what the record exists to prevent.
            models.CheckConstraint(condition=~Q(reason=""), name="billchange_reason_required"),
        ]

    def __str__(self):
        return f"{self.bill} changed {format_day(self.changed_at, with_time=True)}"


class PaymentMode(models.TextChoices):
    CASH = "cash", "Cash"
    UPI = "upi", "UPI"
    CARD = "card", "Card"
    BANK = "bank", "Bank transfer"


class Payment(TimeStampedModel):
    """Money received for a device. Before the bill exists (an advance) ``bill`` is empty;
    closing the bill attaches the device's payments to it."""

    Mode = PaymentMode

    device = models.ForeignKey("devices.Device", on_delete=models.PROTECT, related_name="payments")
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    amount = money_field("amount", default=None)
    mode = models.CharField(
        "mode", max_length=10, choices=PaymentMode.choices, default=PaymentMode.CASH
    )
    reference = models.CharField(
        "reference", max_length=100, blank=True, help_text="UPI / card / bank reference, if any."
    )
    is_advance = models.BooleanField("advance", default=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="received by",
    )
    received_at = models.DateTimeField("received at", default=timezone.now)
    # The same form posted twice carries the same key and records one payment.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["received_at"], name="payment_received_at_idx")]

    def __str__(self):
        return f"{self.amount} {self.get_mode_display()}"


class Refund(TimeStampedModel):
    """Money handed back when a device's advances exceed what it is finally billed
    (a cheaper repair than paid for, or a device returned unrepaired), or a manager's
    reversal of a payment entered by mistake (``reverses``). Made only by
    ``billing.services``."""

    device = models.ForeignKey("devices.Device", on_delete=models.PROTECT, related_name="refunds")
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    amount = money_field("amount", default=None)
    mode = models.CharField(
        "mode", max_length=10, choices=PaymentMode.choices, default=PaymentMode.CASH
    )
    reason = models.CharField("reason", max_length=300)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="by"
    )
    refunded_at = models.DateTimeField("refunded at", default=timezone.now)
    # Set for a reversal: the payment was entered by mistake (wrong amount, wrong mode, the
    # wrong device) and no money changed hands now; the entry takes it back out of the
    # totals on the day it is made, as a correcting entry, and the payment stays on record.
    reverses = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name="reverses payment",
    )

    class Meta:
        ordering = ["refunded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]
        indexes = [models.Index(fields=["refunded_at"], name="refund_refunded_at_idx")]

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    def __str__(self):
        return f"Refund {self.amount} {self.get_mode_display()}"
