"""Routes that keep the original system's bookmarks working.

``route("service/<int:pk>", view, name=...)`` answers ``/service/7`` and ``/service/7/``
(GET and POST alike), and reverses to the original form without the slash.
"""

import functools
import re
from urllib.parse import SplitResult, urlsplit

from django.urls import get_script_prefix, get_urlconf, re_path, register_converter, reverse

# At most 18 digits: a longer id is no row of ours (ids are 64-bit), and SQLite cannot even
# be asked about it (OverflowError), so it is a 404 here.
_CONVERTERS = {"int": r"[0-9]{1,18}", "str": r"[^/]+", "slug": r"[-a-zA-Z0-9_]+"}


class IdConverter:
    """``<id:pk>`` in ``path()``: an id as ``route()`` takes it (at most 18 digits). With
    Django's unbounded ``<int:pk>`` a 19-digit address reached the view, which then failed
    to link back to a page whose route refuses it."""

    regex = _CONVERTERS["int"]

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")


def route(pattern: str, view, name: str):
    def convert(match):
        kind, arg = match.group(1), match.group(2)
        return f"(?P<{arg}>{_CONVERTERS[kind]})"

    body = re.sub(r"<(\w+):(\w+)>", convert, pattern.rstrip("/"))
    return re_path(rf"^{body}/?$", view, name=name)


# A number no id reaches, to find where the id goes in a route's URL.
_MARK = 918273645192837465


@functools.lru_cache(maxsize=512)
def _reversed(viewname: str, with_pk: bool, prefix: str, urlconf) -> tuple[str, str]:
    if not with_pk:
        return reverse(viewname, urlconf=urlconf), ""
    url = reverse(viewname, args=[_MARK], urlconf=urlconf)
    head, found, tail = url.partition(str(_MARK))
    if not found:  # pragma: no cover - a route that does not print its argument
        raise ValueError(f"{viewname} does not take an id")
    return head, tail


def route_url(viewname: str, pk=None) -> str:
    """``reverse(viewname)`` or ``reverse(viewname, args=[pk])``, as plain string work.

    Every page links its navigation, and a list every row to its job, bill and actions;
    ``reverse`` walks the resolver on every call (~25 us), this reverses each route once
    (per script prefix and URL conf) and puts the id in its place.
    """
    head, tail = _reversed(viewname, pk is not None, get_script_prefix(), get_urlconf())
    return head if pk is None else f"{head}{int(pk)}{tail}"


def is_own_page(url: str) -> bool:
    """Whether ``url`` (a ``next`` from a form or an address) is a path of this site:
    "/devices/?q=x". Django's own check also passes a relative name ("0", "payments"),
    which ``redirect`` then takes for a route name and fails on; another host ("//evil",
    "/\\evil") is refused too."""
    return bool(url) and url.startswith("/") and not url.startswith(("//", "/\\"))


def split_sent_url(url: str | None) -> SplitResult:
    """``urlsplit`` of an address a browser sent in a header (``HX-Current-URL``): anything
    may come, and a malformed one ("http://[::1") is read as no address at all."""
    try:
        return urlsplit(url or "")
    except ValueError:
        return urlsplit("")


def is_id(value: str) -> bool:
    """Whether ``value`` (from an address or a form) can be one of our ids: ASCII digits,
    at most 18 ("²" and "١" are digits to ``str.isdigit`` but not to the database)."""
    return value.isascii() and value.isdecimal() and len(value) <= 18
