from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from telite.models import TimeStampedModel
from telite.phone import format_phone, normalize_phone


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    QUALIFIED = "qualified", "Qualified"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class LeadSource(models.TextChoices):
    WALK_IN = "walk_in", "Walk-in"
    PHONE = "phone", "Phone call"
    WHATSAPP = "whatsapp", "WhatsApp"
    REFERRAL = "referral", "Referral"
    WEBSITE = "website", "Website"
    SOCIAL = "social", "Social media"
    OTHER = "other", "Other"


class Lead(TimeStampedModel):
    """A possible sale: someone who asked about a repair, an AMC or a purchase."""

    Status = LeadStatus
    Source = LeadSource
    OPEN = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)

    name = models.CharField("name", max_length=120)
    phone = models.CharField(
        "WhatsApp number", max_length=20, help_text="Stored as +91…, like customers' numbers."
    )
    email = models.EmailField("email", blank=True)
    source = models.CharField("source", max_length=10, choices=LeadSource.choices)
    requirement = models.TextField("what they want", max_length=1000)
    estimated_value = models.DecimalField(
        "estimated value",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    status = models.CharField(
        "status", max_length=10, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name="owner",
    )
    follow_up_date = models.DateField("next follow-up", null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name="became customer",
    )
    won_at = models.DateTimeField("won at", null=True, blank=True)
    lost_reason = models.CharField("reason lost", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    # One per rendered "new lead" form: the same form sent twice (a double tap on a slow
    # line) takes one lead.
    create_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at", "create_key"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_value__isnull=True) | Q(estimated_value__gte=0),
                name="lead_value_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "follow_up_date"], name="lead_status_followup_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx"),
            # The lead list (newest first) and the conversion figures of a period.
            models.Index(fields=["created_at"], name="lead_created_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def follow_up_overdue(self) -> bool:
        return bool(
            self.is_open and self.follow_up_date and self.follow_up_date < timezone.localdate()
        )

    def save(self, *args, **kwargs):
        self.phone = normalize_phone(self.phone)
        super().save(*args, **kwargs)


class LeadNote(models.Model):
    """A note or status change on a lead's timeline."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField("note", blank=True)
    from_status = models.CharField(max_length=10, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=LeadStatus.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # One key per rendered "add a note" form: the same form sent twice (a double click, a
    # resent page) adds the note once.
    idempotency_key = models.UUIDField(
        "note form key", null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return self.text[:40]
