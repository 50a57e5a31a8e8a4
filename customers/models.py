from django.db import models
from simple_history.models import HistoricalRecords

from telite.models import TimeStampedModel
from telite.phone import format_phone, normalize_phone


class Customer(TimeStampedModel):
    """A person or business that brings devices in. Found by WhatsApp number.

    Counts and money (devices, billed value, balance due) are computed by
    ``customers.selectors``, never typed in.
    """

    name = models.CharField("name", max_length=120)
    location = models.CharField(
        "location", max_length=200, blank=True, help_text="Area or town, as the customer says it."
    )
    whatsapp_number = models.CharField(
        "WhatsApp number",
        max_length=20,
        unique=True,
        help_text="Stored as +91…: 98450 12345, +91 98450 12345 and 919845012345 are the same.",
    )
    email = models.EmailField("email", blank=True)
    notes = models.TextField("notes", max_length=2000, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [
            # Customer list sorted and searched by name.
            models.Index(fields=["name"], name="customer_name_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.whatsapp_display})"

    @property
    def whatsapp_display(self) -> str:
        return format_phone(self.whatsapp_number)

    @property
    def whatsapp_link(self) -> str:
        return "https://wa.me/" + self.whatsapp_number.lstrip("+")

    def save(self, *args, **kwargs):
        self.whatsapp_number = normalize_phone(self.whatsapp_number)
        super().save(*args, **kwargs)
