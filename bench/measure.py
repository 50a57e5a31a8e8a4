"""Server time and SQL queries of the key pages, in-process, against one benchmark database.

Runs as a worker that the orchestrator (``bench/run.py``) drives over stdin/stdout, one
JSON object per line, so that the small and the large database are measured in
alternating rounds: whatever else the machine is doing then weighs on both alike.

    {"cmd": "targets"}                       -> the pages to measure, with their URLs
    {"cmd": "time", "page": "...", "n": 10}  -> n timings (seconds) after a warm-up
    {"cmd": "queries", "page": "..."}        -> SQL query count and the slowest queries
    {"cmd": "pdf_baseline", "n": 10}         -> WeasyPrint on a bare page of the bill's text
    {"cmd": "session"}                       -> a session cookie for the load test

Requests go through Django's test Client (the whole middleware stack, DEBUG=False),
logged in as the owner with ``force_login``.
"""

import argparse
import gc
import html
import json
import re
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATA_DIR, setup_django  # noqa: E402

# (key, label, kind). kind decides the throughput budget: detail >= 35 %, list >= 25 %.
PAGES = [
    ("dashboard", "Dashboard", "list"),
    ("device_list", "Device list, first page", "list"),
    ("device_search", "Device list, search by part of a WhatsApp number", "list"),
    ("assign", "Assignment list (/device_assign)", "list"),
    ("service", "Service page (/service/<id>)", "detail"),
    ("overdue", "Overdue list (/device_time_overlap)", "list"),
    ("delivery_ready", "Delivery-ready list (/delivery_ready)", "list"),
    ("closed_list", "Closed history, first page (/closed_devices)", "list"),
    ("closed_search", "Closed history, search (/closed_devices?q=)", "list"),
    ("lookup", "Customer lookup while typing (/customers/lookup/)", "detail"),
    ("bill", "Bill page (/print_bill/<id>)", "detail"),
    ("bill_pdf_first", "Bill PDF, first render", "detail"),
    ("bill_pdf_repeat", "Bill PDF, repeat download", "detail"),
]
PDF_BILLS = 40  # distinct bills for first renders (each rendered once per run)


class _Text(HTMLParser):
    """The visible text of an HTML page, line by line."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "nav"):
            self._skip += 1
        if tag in ("br", "p", "div", "tr", "h1", "h2", "h3", "li", "table"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "nav") and self._skip:
            self._skip -= 1
        if tag in ("td", "th"):
            self.parts.append("  ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        lines = (re.sub(r"[ \t]+", " ", line).strip() for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)


class Worker:
    def __init__(self, size: str):
        self.size = size
        from django.test import Client

        from bench.common import db_name
        from bench.generate import read_meta

        self.meta = read_meta(db_name(size)) or {}
        self.client = Client()
        self.tech_client = Client()
        self.targets = self._targets()
        self.pdf_queue = list(self.targets.pop("_pdf_devices"))

    def _login(self, client, user):
        client.force_login(user)
        # The idle-timeout middleware writes the session at most once a minute; a stamp in
        # the future keeps that write out of the timings and query counts (it is one
        # UPDATE a minute per user in real life).
        session = client.session
        session["last_activity"] = int(time.time()) + 10**7
        session.save()

    def _targets(self) -> dict:
        from accounts.models import User
        from billing.models import Bill
        from devices.models import Device

        owner = User.objects.get(pk=int(self.meta["owner_id"]))
        self._login(self.client, owner)
        self.owner = owner
        device = Device.objects.select_related("customer").get(pk=int(self.meta["showcase_device"]))
        customer = device.customer
        digits = customer.whatsapp_number[-10:]
        # Bills of the same shape as the showcase (labour + 3 parts, delivered) for first
        # PDF renders: one distinct bill per render.
        from django.db.models import Count

        pdf_devices = list(
            Bill.objects.filter(status="paid", device__status="delivered")
            .exclude(device=device)
            .annotate(n=Count("lines"))
            .filter(n=4)
            .order_by("-issued_at")
            .values_list("device_id", flat=True)[:PDF_BILLS]
        )
        Bill.objects.filter(device_id__in=[*pdf_devices, device.pk]).update(
            pdf_file="", pdf_version=0
        )
        media = DATA_DIR / f"media_{self.size}"
        shutil.rmtree(media, ignore_errors=True)
        media.mkdir(parents=True, exist_ok=True)
        return {
            "dashboard": "/dashboard",
            "device_list": "/devices/",
            # Eight digits as a clerk types them ("98450 123"): the customer's devices, the
            # same handful at both sizes. (A common name finds more devices in ten years
            # than in 18 days: that compares answers, not the search. Names: findings.)
            "device_search": f"/devices/?q={digits[:5]}+{digits[5:8]}",
            "assign": "/device_assign",
            "service": f"/service/{device.pk}",
            "overdue": "/device_time_overlap",
            "delivery_ready": "/delivery_ready",
            "closed_list": "/closed_devices",
            "closed_search": "/closed_devices?q=" + device.serial_number,
            # As the clerk types it: "98450 12345".
            "lookup": f"/customers/lookup/?whatsapp_number={digits[:5]}+{digits[5:]}",
            "bill": f"/print_bill/{device.pk}",
            "bill_pdf_first": "/print_bill/{pdf}/pdf",
            "bill_pdf_repeat": f"/print_bill/{device.pk}/pdf",
            "_pdf_devices": pdf_devices,
            "_showcase": {
                "device": device.pk,
                "job_number": device.job_number,
                "customer": customer.name,
                "serial": device.serial_number,
            },
        }

    def url(self, page: str) -> str:
        url = self.targets[page]
        if page == "bill_pdf_first":
            if not self.pdf_queue:
                raise RuntimeError("no unrendered bills left for first PDF renders")
            url = url.format(pdf=self.pdf_queue.pop(0))
        return url

    def get(self, page: str):
        url = self.url(page)
        headers = {"HX-Request": "true"} if page == "lookup" else {}
        started = time.perf_counter()
        response = self.client.get(url, headers=headers)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        elapsed = time.perf_counter() - started
        return response, elapsed, url

    def check(self, page: str) -> dict:
        response, elapsed, url = self.get(page)
        out = {"page": page, "url": url, "status": response.status_code}
        if response.status_code != 200:
            out["error"] = f"HTTP {response.status_code}"
        return out

    def time(self, page: str, n: int, warmup: int = 2) -> dict:
        if page == "bill_pdf_first":
            warmup = 0  # a warm-up would be a first render of another bill: count it
        for _ in range(warmup):
            self.get(page)
        samples, statuses = [], set()
        for _ in range(n):
            response, elapsed, _url = self.get(page)
            statuses.add(response.status_code)
            samples.append(elapsed)
        return {"page": page, "samples": samples, "statuses": sorted(statuses)}

    def queries(self, page: str) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if page != "bill_pdf_first":
            self.get(page)  # warm caches that a repeat visit would have
        with CaptureQueriesContext(connection) as ctx:
            response, _elapsed, url = self.get(page)
        queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
        return {
            "page": page,
            "url": url,
            "status": response.status_code,
            "queries": len(ctx.captured_queries),
            "slowest": [
                {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"]} for q in queries[:3]
            ],
            "bytes": len(response.content) if not hasattr(response, "streaming_content") else 0,
            "pdf_pages": _pdf_pages(response.content)
            if page.startswith("bill_pdf") and response.status_code == 200
            else None,
        }

    def explain(self, sql: str) -> str:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(r[0] for r in cursor.fetchall())

    def pdf_baseline(self, n: int) -> dict:
        """WeasyPrint on a bare page holding the bill's text: the floor for the PDF.

        The text is the showcase bill's own, as its PDF prints it (the bill page around it
        adds buttons, and its unjoined table cells made a two-page floor), one line per line
        of the bill, in a ``<pre>`` with WeasyPrint's defaults: one page, no styling."""
        from django.template.loader import render_to_string
        from weasyprint import HTML

        from billing.selectors import bill_for_device
        from billing.views.bills import bill_context

        bill = bill_for_device(int(self.meta["showcase_device"]))
        parser = _Text()
        parser.feed(render_to_string("billing/bill_pdf.html", bill_context(bill)))
        text = parser.text()
        doc = f"<html><body><pre>{html.escape(text)}</pre></body></html>"
        HTML(string=doc).write_pdf()  # fonts loaded once, as in a running server
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            pdf = HTML(string=doc).write_pdf()
            samples.append(time.perf_counter() - started)
        return {"samples": samples, "chars": len(text), "pdf_pages": _pdf_pages(pdf)}

    def session(self) -> dict:
        cookie = self.client.cookies["sessionid"].value
        return {"cookie": f"sessionid={cookie}"}

    def handle(self, message: dict) -> dict:
        cmd = message["cmd"]
        if cmd == "targets":
            return {
                "targets": {k: v for k, v in self.targets.items() if not k.startswith("_")},
                "showcase": self.targets["_showcase"],
                "pdf_bills": len(self.pdf_queue),
                "meta": self.meta,
            }
        if cmd == "check":
            return self.check(message["page"])
        if cmd == "time":
            return self.time(message["page"], message["n"], message.get("warmup", 2))
        if cmd == "queries":
            return self.queries(message["page"])
        if cmd == "explain":
            return {"plan": self.explain(message["sql"])}
        if cmd == "pdf_baseline":
            return self.pdf_baseline(message["n"])
        if cmd == "session":
            return self.session()
        raise ValueError(f"unknown command {cmd!r}")


def _pdf_pages(data: bytes) -> int:
    """Pages in a PDF, looking inside compressed object streams too."""
    import zlib

    chunks = [data]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", c)) for c in chunks)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", required=True)
    args = parser.parse_args(argv)
    setup_django(args.size)
    worker = Worker(args.size)
    # As gunicorn.conf.py does in each production worker once Django is loaded: without
    # it, each measuring process's garbage collections (their timing differs between the
    # small and the large process) land at random in the timings.
    gc.freeze()
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the app prints must not break the protocol
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = worker.handle(json.loads(line))
        except Exception as exc:  # reported to the orchestrator, which carries on
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
