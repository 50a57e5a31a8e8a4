"""The bill as a PDF: the print template rendered by WeasyPrint, cached per bill version.

The HTML page (``billing/bill_page.html``) and the PDF (``billing/bill_pdf.html``) include
the same document (``billing/_bill_document.html``) and the same print stylesheet
(``billing/bill.css``, with its ``@page`` rules), so what is printed from the browser and
what is downloaded look the same.

Stylesheets and the shop logo are read from disk by ``LocalAssetFetcher``: the renderer
never makes a network request (the app must work offline, and a server fetching its own
pages through HTTP would tie up a worker).
"""

import gc
import logging
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import CSS, HTML
from weasyprint import html as weasyprint_html
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .models import Bill, ShopSettings
from .selectors import printed_details_stamp

logger = logging.getLogger(__name__)

# Relative URLs in the template resolve against this origin; the fetcher serves it from disk.
BASE_URL = "https://telite.local/"


class LocalAssetFetcher(URLFetcher):
    """Serve ``/static/…``, ``/media/…`` and the shop's logo (``billing:shop_logo``, the URL
    the bill page shows it at) from disk; refuse everything else."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        origin = urlsplit(BASE_URL)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            raise ValueError(f"external resources are not loaded in bills: {url}")
        path = unquote(parts.path)
        found = self._static(path) or self._media(path) or self._shop_logo(path)
        if found is None:
            raise ValueError(f"not a static or media file: {url}")
        return super().fetch(found.as_uri(), headers)

    @staticmethod
    def _static(path: str) -> Path | None:
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if not path.startswith(prefix):
            return None
        relative = path[len(prefix) :]
        found = finders.find(relative)
        if found:
            return Path(found)
        candidate = (Path(settings.STATIC_ROOT) / relative).resolve()
        if candidate.is_file() and Path(settings.STATIC_ROOT).resolve() in candidate.parents:
            return candidate
        return None

    @staticmethod
    def _shop_logo(path: str) -> Path | None:
        if path != reverse("billing:shop_logo"):
            return None
        logo = ShopSettings.load().logo
        if not logo:
            return None
        found = Path(logo.path)
        return found if found.is_file() else None

    @staticmethod
    def _media(path: str) -> Path | None:
        prefix = "/" + settings.MEDIA_URL.strip("/") + "/"
        if not path.startswith(prefix):
            return None
        root = Path(settings.MEDIA_ROOT).resolve()
        candidate = (root / path[len(prefix) :]).resolve()
        # No "../" escapes out of the media folder.
        if candidate.is_file() and root in candidate.parents:
            return candidate
        return None


# WeasyPrint's HTML user-agent sheet, less its rules for pseudo-elements that a bill never
# has (::marker, ::footnote-*, ::note-*): each of them matches every element, so WeasyPrint
# computed six styles per element for nothing (660 of a bill's 726 computed styles).
_UNUSED_PSEUDO_RULE = re.compile(r"(?m)^::(?:marker|footnote-[\w-]+|note-[\w-]+) \{[^}]*\}\n")
BILL_UA_STYLESHEET = CSS(
    string=_UNUSED_PSEUDO_RULE.sub("", weasyprint_html.UA),
    # Its @counter-style rules are WeasyPrint's own, already registered: a throwaway
    # registry keeps them from being declared twice.
    counter_style=CounterStyle(),
)


class BillHTML(HTML):
    """A bill document: WeasyPrint's HTML with the lean user-agent sheet above."""

    def _ua_stylesheets(self, forms=False):
        return [BILL_UA_STYLESHEET]


# Fonts and the print stylesheet are loaded once per thread, not on every bill: a new
# FontConfiguration and a re-parsed stylesheet were half of a one-page bill's render.
_local = threading.local()


def _fonts_and_stylesheet() -> tuple[FontConfiguration, CSS]:
    if not hasattr(_local, "stylesheet"):
        _local.fonts = FontConfiguration()
        _local.stylesheet = CSS(
            filename=finders.find("billing/bill.css"),
            base_url=BASE_URL,
            url_fetcher=LocalAssetFetcher(),
            font_config=_local.fonts,
        )
    return _local.fonts, _local.stylesheet


@contextmanager
def _collector_paused():
    """A render allocates some 100,000 short-lived objects: the garbage collector kept
    walking every object of the process mid-render (8 % of it). It runs after instead."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def lay_out_bill(context: dict) -> Document:
    """``billing/bill_pdf.html`` with ``context`` (see ``views.bill_context``), laid out in
    pages: WeasyPrint's document, before it is written as a PDF."""
    html = render_to_string("billing/bill_pdf.html", context)
    fonts, stylesheet = _fonts_and_stylesheet()
    return BillHTML(string=html, base_url=BASE_URL, url_fetcher=LocalAssetFetcher()).render(
        stylesheets=[stylesheet], font_config=fonts
    )


def render_bill_pdf(context: dict) -> bytes:
    """The bill's PDF: ``lay_out_bill`` written out."""
    with _collector_paused():
        return lay_out_bill(context).write_pdf()


def stored_bill_pdf(bill: Bill, stamp: str) -> bytes | None:
    """The stored PDF of an unchanged bill, else None: ``pdf_version == version`` and
    ``stamp`` (``printed_details_stamp``: the device, customer and shop details) as printed.

    Needs the bill's row (with its device and customer) alone: a repeat download costs one
    query and a file read."""
    if not bill.pdf_is_current(stamp):
        return None
    try:
        with bill.pdf_file.open("rb") as stored:
            return stored.read()
    except FileNotFoundError:
        logger.warning("Cached PDF of bill %s is missing; rendering it again", bill.number)
        return None


def bill_pdf_bytes(bill: Bill, context: dict) -> tuple[bytes, bool]:
    """The bill's PDF and whether it came from the cache.

    An unchanged bill (same version, same printed details) reuses the stored file.
    Otherwise the PDF is rendered (outside any transaction: it is slow) and stored; the row
    is updated only if the bill did not change meanwhile, so a stale PDF is never marked
    current. ``context`` is ``views.bill_context(bill)``.
    """
    stamp = printed_details_stamp(bill, context["shop"])
    stored = stored_bill_pdf(bill, stamp)
    if stored is not None:
        return stored, True
    data = render_bill_pdf(context)
    old_name = bill.pdf_file.name if bill.pdf_file else ""
    name = f"bills/{bill.financial_year}/{bill.pdf_filename[:-4]}-v{bill.version}.pdf"
    storage = bill.pdf_file.storage
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    updated = Bill.objects.filter(pk=bill.pk, version=bill.version).update(
        pdf_file=saved, pdf_version=bill.version, pdf_stamp=stamp
    )
    if updated:
        bill.pdf_file.name, bill.pdf_version, bill.pdf_stamp = saved, bill.version, stamp
        if old_name and old_name != saved:
            storage.delete(old_name)
    else:
        # The bill changed while we rendered: keep nothing from this stale render.
        storage.delete(saved)
    return data, False
