"""Writes on customers. Other apps (intake, CRM conversion) call these, never the table."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from telite.phone import normalize_phone

from .models import Customer


def customer_find_by_whatsapp(number: str) -> Customer | None:
    """The customer with this WhatsApp number in any of its written forms, or None."""
    try:
        canonical = normalize_phone(number)
    except ValidationError:
        return None
    return Customer.objects.filter(whatsapp_number=canonical).first()


@transaction.atomic
def customer_get_or_create(
    *, whatsapp_number: str, name: str, location: str = "", email: str = "", by=None
) -> tuple[Customer, bool]:
    """Find the customer by WhatsApp number or create them; returns (customer, created).

    An existing customer's name is not overwritten by what was typed; an empty location
    or email is filled in. Two clerks creating the same new number at once get one customer.
    """
    canonical = normalize_phone(whatsapp_number)
    existing = Customer.objects.select_for_update().filter(whatsapp_number=canonical).first()
    if existing:
        changed = []
        if location and not existing.location:
            existing.location = location
            changed.append("location")
        if email and not existing.email:
            existing.email = email
            changed.append("email")
        if changed:
            existing.save(update_fields=[*changed, "updated_at"])
        return existing, False
    if not (name or "").strip():
        raise ValidationError({"name": "Enter the customer's name."})
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                whatsapp_number=canonical,
                name=name.strip(),
                location=location.strip(),
                email=email.strip(),
            )
    except IntegrityError:
        # Created by someone else between our look-up and insert.
        return Customer.objects.get(whatsapp_number=canonical), False
    return customer, True
