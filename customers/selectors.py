"""Reads on customers: computed counts and money, the intake look-up."""

from django.db.models import Count, Q, QuerySet

from devices.models import Device
from telite.phone import PHONE_NOISE, phone_search_q, try_normalize_phone
from telite.trigram import all_words_q

from .models import Customer

# Digits a number needs before the look-up says anything (a 10-digit Indian mobile).
LOOKUP_MIN_DIGITS = 10


def customers_with_counts() -> QuerySet[Customer]:
    """Customers with how many devices they brought and how many are still in the shop."""
    return Customer.objects.annotate(
        device_count=Count("devices", distinct=True),
        open_count=Count("devices", filter=Q(devices__status__in=Device.IN_SHOP), distinct=True),
    )


def customer_search(queryset: QuerySet[Customer], value: str) -> QuerySet[Customer]:
    """By name, email, location, or WhatsApp number in any of its written forms."""
    value = (value or "").strip()
    if not value:
        return queryset
    query = all_words_q("name", value) | Q(email__icontains=value) | Q(location__icontains=value)
    phone = phone_search_q(value, "whatsapp_number")
    if phone is not None:
        query |= phone
    return queryset.filter(query)


def attach_money_totals(customers) -> None:
    """Set ``billed``, ``received``, ``balance`` and ``advance`` (held, not billed yet) on
    each customer (``billing.selectors.customer_money_totals``: three queries in all)."""
    from billing.selectors import customer_money_totals

    customers = list(customers)
    totals = customer_money_totals([c.pk for c in customers])
    for customer in customers:
        row = totals.get(customer.pk, {})
        for name in ("billed", "received", "balance", "advance"):
            setattr(customer, name, row.get(name))


def _national(raw: str, digits: str) -> str:
    """The digits of the number itself, without the +91 / 0091 / 0 that is typed before it:
    "+91 98450 123" has eight, not ten, so the clerk is still typing."""
    if raw.startswith("+") and digits.startswith("91"):
        return digits[2:]
    if digits.startswith("0091"):
        return digits[4:]
    if digits.startswith("0"):
        return digits[1:]
    return digits


def customer_lookup_context(number: str) -> dict:
    """What the intake form says about a WhatsApp number as it is typed.

    ``state``: ``empty`` (nothing typed), ``typing`` (too few digits to tell), ``invalid``,
    ``new`` (a valid number nobody has), ``existing`` (with ``customer``, ``device_count``,
    ``open_count``).
    """
    raw = (number or "").strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not raw:
        return {"state": "empty", "number": raw}
    canonical = try_normalize_phone(raw)
    if canonical is None:
        # Letters never become a number: say so at once, not "keep typing".
        half_typed = len(_national(raw, digits)) < LOOKUP_MIN_DIGITS and not PHONE_NOISE.search(raw)
        return {"state": "typing" if half_typed else "invalid", "number": raw}
    customer = customers_with_counts().filter(whatsapp_number=canonical).first()
    if customer is None:
        return {"state": "new", "number": raw, "canonical": canonical}
    return {
        "state": "existing",
        "number": raw,
        "canonical": canonical,
        "customer": customer,
        "device_count": customer.device_count,
        "open_count": customer.open_count,
    }
