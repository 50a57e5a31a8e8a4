"""``{% load billing_tags %}``: billing bits other apps' pages include."""

from django import template

register = template.Library()


@register.inclusion_tag("billing/_device_actions_panel.html", takes_context=True)
def device_billing_actions(context, device, oob=False):
    """The actions possible on ``device`` for the logged-in user (close, pay, deliver,
    return, reopen, bill links); the service page shows it beside the repair. ``oob``:
    sent with another htmx answer, to replace the panel on the page (hx-swap-oob)."""
    from billing.views.actions import actions_context

    return {**actions_context(context["request"], device), "oob": oob}


@register.simple_tag
def currency_symbol():
    """The shop's currency symbol (₹ by default), e.g. for an amount field's prefix."""
    from telite.money import shop_currency_symbol

    return shop_currency_symbol()
