from django import template

from telite.money import amount_in_words, format_money
from telite.phone import format_phone

register = template.Library()


@register.filter
def money(value, symbol=None):
    """{{ bill.bill_value|money }} -> ₹2,500.00 (shop currency symbol, Indian grouping)."""
    if value is None or value == "":
        return "—"
    return format_money(value, symbol=symbol)


@register.filter
def in_words(value):
    return amount_in_words(value)


@register.filter
def phone(value):
    return format_phone(value or "")


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """Keep the current filters when building a pagination or sort link."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
