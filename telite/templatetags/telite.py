from django import forms, template
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString

from telite.dates import format_day
from telite.forms_util import options_html, with_selected
from telite.money import amount_in_words, format_money
from telite.phone import format_phone
from telite.urls_util import route_url as _route_url

register = template.Library()


@register.filter
def money(value, symbol=None):
    """{{ bill.bill_value|money }} -> ₹2,500.00 (shop currency symbol, Indian grouping)."""
    if value is None or value == "":
        return "—"
    return format_money(value, symbol=symbol)


@register.filter
def day(value, arg=""):
    """{{ device.received_at|day }} -> 5 Mar 2026; {{ event.at|day:"time" }} -> 5 Mar 2026, 2:05 PM.

    The same text as ``|date:"j M Y"`` / ``|date:"j M Y, g:i A"``, without the cost of Django's
    date formatting on every row of a list."""
    return format_day(value, with_time=arg == "time")


@register.filter
def in_words(value):
    return amount_in_words(value)


@register.filter
def phone(value):
    return format_phone(value or "")


@register.simple_tag
def route_url(viewname, pk=None):
    """{% route_url "dashboard" %}, {% route_url "devices:service" device.pk %}: {% url %}
    for a route without arguments or with one id, cheap enough for every row of a list
    (``telite.urls_util.route_url``)."""
    return _route_url(viewname, pk)


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


@register.filter
def selecting(options, value):
    """``{{ technician_options|selecting:form.technician.value }}``: ``<option>``s rendered
    once for a whole list (``telite.forms_util.options_html``) with ``value`` selected in
    this row. A string replace instead of a template loop of options per row."""
    if not isinstance(options, SafeString):
        raise TypeError("selecting needs options built by options_html()")
    if value in (None, ""):
        return options
    return with_selected(options, value)


@register.filter
def plain_widget(field):
    """``{{ filter.form.status|plain_widget }}``: a filter bar's select or input as HTML
    built in Python.

    Django renders every widget through its own templates (~0.3 ms for a select); a
    filter bar has five or six of them on every list page. Selects and plain inputs give
    the same markup here (name, id, attributes, the value or the selected option);
    anything else is rendered by Django as usual.
    """
    widget = field.field.widget
    if widget.is_hidden or isinstance(widget, forms.CheckboxInput | forms.FileInput):
        return field.as_widget()
    attrs = widget.build_attrs(widget.attrs, {"name": field.html_name})
    if field.auto_id:
        attrs["id"] = field.auto_id
    if field.errors:
        attrs["aria-invalid"] = "true"
        if field.auto_id:
            attrs["aria-describedby"] = f"{field.auto_id}_error"
    value = field.value()
    if isinstance(widget, forms.Select):
        if widget.allow_multiple_selected:
            return field.as_widget()
        # Django marks the option of the value, the empty one when there is none.
        options = with_selected(options_html(field.field.choices), "" if value is None else value)
        return format_html("<select{}>{}</select>", flatatt(attrs), options)
    if isinstance(widget, forms.widgets.Input):
        attrs["type"] = widget.input_type
        shown = widget.format_value(value)
        if shown not in (None, ""):
            attrs["value"] = shown
        return format_html("<input{}>", flatatt(attrs))
    return field.as_widget()


@register.simple_tag
def filters_in_use(form, *skip):
    """``{% filters_in_use filter.form "q" as used %}``: how many of a filter form's fields,
    other than ``skip``, the request filled in or got wrong. On a phone the filter bar shows
    its search and folds the rest away; it opens by itself when any of them is in use."""
    data = form.data if form.is_bound else {}

    def filled(name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return any(value not in ("", None) for value in values)

    return sum(
        1
        for field in form.visible_fields()
        if field.name not in skip and (field.errors or filled(field.html_name))
    )
