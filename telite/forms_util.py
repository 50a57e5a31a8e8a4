"""Form pieces that lists repeat on every row."""

from django.utils.html import format_html_join
from django.utils.safestring import SafeString


def options_html(choices) -> SafeString:
    """``<option>``s for ``(value, label)`` pairs, escaped, rendered once per page.

    A list with a ``<select>`` per row (assign, overdue) shows the same technicians in
    every row; rendering them with a template loop per row was most of those pages' time.
    Rows mark their own choice with the ``|selecting:value`` filter (``{% load telite %}``).
    """
    return format_html_join("", '<option value="{}">{}</option>', choices)
