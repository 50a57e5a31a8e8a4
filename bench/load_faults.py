"""Load and faults: does TELITE lose or double anything it acknowledged when PostgreSQL
restarts under load? Run by hand (it restarts the database server; never in the tests).

    .venv/bin/python bench/load_faults.py                       # 60 s, PostgreSQL restarted at 30 s
    .venv/bin/python bench/load_faults.py --fault terminate     # kill only this database's connections
    .venv/bin/python bench/load_faults.py --fault none --duration 20

What it does, all on 127.0.0.1:

1. Makes its own database ``telite_trust_load`` (dropped and re-created), migrates it,
   collects static files and adds users: the owner, 2 managers, 4 front-desk clerks,
   4 technicians.
2. Starts gunicorn as in production: DEBUG=False with a throwaway SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, 3 gthread workers, persistent database connections
   (CONN_MAX_AGE) with health checks.
3. For ``--duration`` seconds drives simulated people, each with its own login and session:
   clerks take devices in (with an advance, sometimes for a returning customer) and take
   payments (more advances, and on bills waiting for delivery); technicians add spare parts
   to their jobs and close repairs (which issues numbered bills); a manager assigns new
   devices; a viewer pages through the lists and the dashboard.
4. Halfway through it restarts PostgreSQL (``pg_ctlcluster --skip-systemctl-redirect
   <version> <cluster> restart``), or with ``--fault terminate`` ends every connection to
   its database (the same failure for the app, without touching anyone else's).
5. A request that fails (5xx, refused or dropped connection, timeout) is sent again with the
   same idempotency key (intake form key, payment form key), as a browser re-posting the
   form would; repeats of moves that a state already guards (assign, close) are retried
   too. Spare parts have no key and are not retried.
6. Afterwards it checks, in the database: every intake and payment the server acknowledged
   (a redirect to the intake slip / the device page) exists exactly once, with its amount;
   an unacknowledged one exists once or not at all, never half (a device always has its
   service, its "taken in" event and its advance); no device or payment without a key; job
   numbers and bill numbers run 1..N with no gap or repeat; every bill's amount received is
   its payments less its refunds, within its total.

It reports requests, errors before, during and after the fault, latency percentiles and
the checks, prints them and writes bench/load_faults.md. Exit status 1 when a check fails.
"""

import argparse
import datetime as dt
import http.client
import os
import platform
import random
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATA_DIR, PG_SERVER, REPO_DIR, stop_server  # noqa: E402

HOST = "127.0.0.1"  # loopback only: the server and the database are on this machine
DB_NAME = "telite_trust_load"
PASSWORD = "Load-faults-2026!"  # noqa: S105 - users of a throwaway local database
WORK_DIR = DATA_DIR / "load_faults"
REPORT = Path(__file__).resolve().parent / "load_faults.md"
RECOVERY_WINDOW = 3.0  # seconds after the fault ends still counted as "during"
TIMEOUT = 15.0


# --- set-up -----------------------------------------------------------------------------------


def server_env(port: int) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="telite.settings",
        DATABASE_URL=f"{PG_SERVER}/{DB_NAME}",
        DEBUG="False",
        SECRET_KEY="load-faults-" + secrets.token_urlsafe(48),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="False",
        STATIC_ROOT=str(WORK_DIR / "static"),
        MEDIA_ROOT=str(WORK_DIR / "media"),
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO_DIR),
    )
    return env


def prepare(env: dict) -> dict:
    """A fresh database, migrated, with the shop's people. Returns {role: [usernames]}."""
    import psycopg

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)

    from accounts.models import Role, User

    people = {
        "owner": [("owner", Role.ADMIN, False)],
        "manager": [(f"manager{i}", Role.MANAGER, False) for i in (1, 2)],
        "clerk": [(f"clerk{i}", Role.STAFF, False) for i in (1, 2, 3, 4)],
        "technician": [(f"tech{i}", Role.STAFF, True) for i in (1, 2, 3, 4)],
    }
    for n, (username, role, tech) in enumerate(u for group in people.values() for u in group):
        user = User(
            username=username,
            first_name=username.capitalize(),
            role=role,
            is_technician=tech,
            phone_number=f"+9198451{n:05d}",
        )
        user.set_password(PASSWORD)
        user.save()
    connections.close_all()
    return {role: [u[0] for u in group] for role, group in people.items()}


class Gunicorn:
    def __init__(self, env: dict, port: int, workers: int, threads: int):
        self.env, self.port, self.workers, self.threads = env, port, workers, threads
        self.proc = None
        self.log_path = WORK_DIR / "gunicorn.log"

    def __enter__(self):
        gunicorn = REPO_DIR / ".venv" / "bin" / "gunicorn"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [
                str(gunicorn) if gunicorn.exists() else "gunicorn",
                "telite.wsgi",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "10",
                "--keep-alive",
                "5",
            ],
            cwd=REPO_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz", headers={"Host": f"{HOST}:{self.port}"})
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start; see {self.log_path}")

    def __exit__(self, *exc):
        stop_server(self.proc)
        self.log.close()


# --- a person at a browser ------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the load started
    action: str
    status: int | str  # HTTP status, or "conn" for a refused/dropped connection or timeout
    latency: float
    detail: str = ""

    @property
    def end(self) -> float:
        return self.at + self.latency


class TransportError(Exception):
    pass


# Failures that mean "the server closed this kept-alive connection before reading".
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Browser:
    """One person's session: cookies, CSRF token, keep-alive connection."""

    def __init__(self, port: int, recorder):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = None
        self.record = recorder
        self.stale_retries = 0
        self.plain_errors = 0

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        return self.conn

    def request(self, action: str, method: str, path: str, data: dict | None = None):
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            data = {**(data or {}), "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{HOST}:{self.port}"
        started = time.monotonic()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException) as exc:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                stale = isinstance(exc, STALE) and reused
                if stale and attempt == 1:
                    # The server had closed the idle keep-alive connection: a browser
                    # sends the request again on a new one, so do we (not an error).
                    self.stale_retries += 1
                    continue
                self.record(action, "conn", time.monotonic() - started, type(exc).__name__)
                raise TransportError(str(exc)) from exc
        self.record(action, response.status, time.monotonic() - started)
        if response.status >= 500:
            # What a person sees then: the app's own plain page, never a traceback.
            self.plain_errors += "Something went wrong" in text and "Traceback" not in text
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            self.conn = None
        return response.status, response.getheader("Location", ""), text

    def login(self, username: str):
        self.request("login page", "GET", "/login")
        status, location, _ = self.request(
            "login", "POST", "/login", {"username": username, "password": PASSWORD}
        )
        if status != 302:
            raise RuntimeError(f"{username} could not log in ({status})")


# --- the workload -----------------------------------------------------------------------------


@dataclass
class Intent:
    """Something sent with an idempotency key, and what the server said."""

    key: str
    kind: str  # "intake" or "payment"
    data: dict
    device: int | None = None
    acked: bool = False
    refused: bool = False
    attempts: int = 0
    failures: int = 0
    job_number: str = ""


@dataclass
class Run:
    port: int
    duration: float
    grace: float
    seed: int
    samples: list = field(default_factory=list)
    intents: list = field(default_factory=list)
    open_devices: list = field(default_factory=list)  # acknowledged intakes
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = 0.0
    fault: tuple[float, float] | None = None
    notes: list = field(default_factory=list)
    counters: dict = field(default_factory=dict)

    def recorder(self, action, status, latency, detail=""):
        at = time.monotonic() - self.started - latency
        self.samples.append(Sample(at, action, status, latency, detail))

    def count(self, what: str):
        with self.lock:
            self.counters[what] = self.counters.get(what, 0) + 1

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def running(self) -> bool:
        return self.elapsed() < self.duration

    def may_retry(self) -> bool:
        return self.elapsed() < self.duration + self.grace


def send_keyed(run: Run, browser: Browser, intent: Intent, path: str, ack: re.Pattern):
    """POST until the server answers; a failure is retried with the same key (and data)."""
    delay = 0.2
    while run.may_retry():
        intent.attempts += 1
        try:
            status, location, text = browser.request(intent.kind, "POST", path, intent.data)
        except TransportError:
            status, location = "conn", ""
        if status == 302 and (match := ack.search(location)):
            intent.acked = True
            intent.device = int(match.group(1))
            return True
        if status in (200, 302, 403, 404):
            intent.refused = True  # the form came back, or the device was not there
            return False
        intent.failures += 1
        time.sleep(delay + random.random() * delay)
        delay = min(delay * 1.7, 2.0)
    return False


def send_guarded(run: Run, browser: Browser, action: str, path: str, data: dict):
    """A move the device's state already makes safe to repeat (assign, close)."""
    delay = 0.2
    while run.may_retry():
        try:
            status, _, _ = browser.request(action, "POST", path, data)
        except TransportError:
            status = "conn"
        if isinstance(status, int) and status < 500:
            return status
        time.sleep(delay + random.random() * delay)
        delay = min(delay * 1.7, 2.0)
    return None


def safe_get(browser: Browser, action: str, path: str) -> str:
    try:
        status, _, text = browser.request(action, "GET", path)
    except TransportError:
        return ""
    return text if status == 200 else ""


SLIP = re.compile(r"^/devices/(\d+)/slip/$")
DEVICE_PAGE = re.compile(r"^/service/(\d+)")
LISTS = [
    "/devices/",
    "/payments/",
    "/delivery_ready",
    "/dashboard",
    "/closed_devices",
    "/customers/",
]


def clerk(run: Run, browser: Browser, rng: random.Random, number_base: int):
    mine = []
    n = 0
    while run.running():
        roll = rng.random()
        if roll < 0.45 or not mine:
            n += 1
            returning = mine and rng.random() < 0.15
            phone = (
                rng.choice(mine)[1] if returning else f"+9197{number_base + n:08d}"
            )  # a customer who comes back
            advance = rng.choice(["", "200", "500", "750.50", "1000"])
            key = str(uuid.uuid4())
            intent = Intent(
                key,
                "intake",
                {
                    "intake_key": key,
                    "whatsapp_number": phone,
                    "name": f"Customer {number_base + n}",
                    "location": "Jayanagar",
                    "email": "",
                    "device_name": rng.choice(["Laptop", "Desktop", "Printer", "Monitor"]),
                    "brand": "HP",
                    "model": f"M{n}",
                    "serial_number": f"SN{number_base + n}",
                    "issue_description": "No power on",
                    "accessories": "Charger",
                    "condition": "",
                    "password_note": "",
                    "expected_delivery_date": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
                    "expected_budget": "2500",
                    "advance_amount": advance,
                    "advance_mode": "cash",
                    "advance_reference": "",
                },
            )
            run.intents.append(intent)
            if send_keyed(run, browser, intent, "/add_device", SLIP):
                mine.append((intent.device, phone))
                with run.lock:
                    run.open_devices.append(intent.device)
                slip = safe_get(browser, "slip", f"/devices/{intent.device}/slip/")
                if found := re.search(r"J-\d{4}-\d{5}", slip):
                    intent.job_number = found.group(0)
        elif roll < 0.65:
            device, _ = rng.choice(mine)
            pay(run, browser, device, rng.choice(["50", "100", "150.25"]))
        elif roll < 0.80:
            page = safe_get(browser, "delivery list", "/delivery_ready")
            ids = sorted(set(re.findall(r"/bills/device/(\d+)/payment", page)))
            if ids:
                pay(run, browser, int(rng.choice(ids)), "10")
        else:
            safe_get(browser, "list", rng.choice(LISTS))
        time.sleep(rng.uniform(0.02, 0.15))


def pay(run: Run, browser: Browser, device: int, amount: str):
    key = str(uuid.uuid4())
    intent = Intent(
        key,
        "payment",
        {"amount": amount, "mode": "upi", "reference": "", "idempotency_key": key, "next": ""},
        device=device,
    )
    run.intents.append(intent)
    send_keyed(run, browser, intent, f"/bills/device/{device}/payment", DEVICE_PAGE)
    intent.device = device


def technician(run: Run, browser: Browser, rng: random.Random):
    while run.running():
        page = safe_get(browser, "my jobs", "/devices/?mine=1&status=assigned")
        ids = sorted(set(re.findall(r'href="/service/(\d+)"', page)))
        if not ids:
            time.sleep(0.3)
            continue
        device = rng.choice(ids)
        try:
            status, _, _ = browser.request(
                "spare part",
                "POST",
                f"/service/{device}/parts/",
                {
                    "name": rng.choice(["Fan", "Keyboard", "SSD", "Power IC"]),
                    "quantity": "1",
                    "unit_cost": rng.choice(["120", "450", "999.99"]),
                },
            )
            if status == 302:
                run.count("parts sent")
        except TransportError:
            run.count("parts not answered")
        if rng.random() < 0.35:
            status = send_guarded(
                run,
                browser,
                "close",
                "/close_device",
                {"device": device, "discount": "", "refund_excess": "on", "refund_mode": "cash"},
            )
            if status == 302:
                run.count("closes answered")
        time.sleep(rng.uniform(0.05, 0.2))


def manager(run: Run, browser: Browser, rng: random.Random):
    while run.running():
        page = safe_get(browser, "assign list", "/device_assign")
        devices = re.findall(r'name="device" value="(\d+)"', page)
        techs = sorted(set(re.findall(r'<option value="(\d+)"', page)))
        for device in devices[:3]:
            if not techs or not run.running():
                break
            status = send_guarded(
                run,
                browser,
                "assign",
                "/device_assign",
                {"device": device, "technician": rng.choice(techs)},
            )
            if status == 302:
                run.count("assigns answered")
        if rng.random() < 0.3:
            safe_get(browser, "overdue", "/device_time_overlap")
        time.sleep(rng.uniform(0.1, 0.3))


def viewer(run: Run, browser: Browser, rng: random.Random):
    while run.running():
        safe_get(browser, "list", rng.choice(LISTS) + rng.choice(["", "?page=2", "?q=Customer"]))
        time.sleep(rng.uniform(0.05, 0.2))


# --- the fault --------------------------------------------------------------------------------


def pg_cluster() -> tuple[str, str]:
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    port = urllib.parse.urlparse(PG_SERVER).port or 5432
    for line in out.stdout.splitlines():
        version, cluster, cluster_port, *_ = line.split()
        if int(cluster_port) == port:
            return version, cluster
    raise RuntimeError(f"no local PostgreSQL cluster on port {port}")


def others_connected() -> int:
    """Connections to databases other than ours (someone else's tests or benchmark)."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname IS NOT NULL "
            "AND datname NOT IN (%s, 'postgres')",
            [DB_NAME],
        ).fetchone()[0]


def inject(run: Run, kind: str, at: float, polite: float):
    time.sleep(max(0.0, at - run.elapsed()))
    if kind == "restart" and polite:
        # A shared server: wait (a while) for a moment when nobody else is connected.
        waited = run.elapsed()
        while others_connected() and run.elapsed() < waited + polite and run.running():
            time.sleep(0.5)
        if run.elapsed() - waited >= 0.5:
            run.notes.append(
                f"waited {run.elapsed() - waited:.1f} s for other databases' connections to end"
            )
    begin = run.elapsed()
    if kind == "restart":
        version, cluster = pg_cluster()
        done = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            run.notes.append(f"pg_ctlcluster failed: {done.stderr.strip()}")
        what = f"PostgreSQL {version}/{cluster} restarted"
    else:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            ended = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [DB_NAME],
            ).fetchone()[0]
        what = f"{ended} connections to {DB_NAME} terminated"
    run.fault = (begin, run.elapsed())
    run.notes.append(f"{what} at {begin:.1f} s, took {run.fault[1] - begin:.2f} s")


# --- checks -----------------------------------------------------------------------------------


def verify(run: Run) -> list[tuple[str, bool, str]]:
    """(check, passed, detail) for everything the run must have kept."""
    from django.db import connections
    from django.db.models import Sum

    from billing.models import Bill, BillCounter, Payment
    from devices.models import Device, DeviceEvent, JobCounter, Service

    connections.close_all()  # the server was restarted since set-up
    checks = []
    intakes = [i for i in run.intents if i.kind == "intake"]
    payments = [i for i in run.intents if i.kind == "payment"]

    lost, doubled, wrong, half, unacked_kept = [], [], [], [], 0
    for intent in intakes:
        rows = list(Device.objects.filter(intake_key=intent.key))
        if len(rows) > 1:
            doubled.append(intent.key)
        if intent.acked and len(rows) != 1:
            lost.append(intent.key)
            continue
        if not rows:
            continue
        device = rows[0]
        if intent.acked and (
            device.pk != intent.device
            or (intent.job_number and intent.job_number != device.job_number)
        ):
            wrong.append(f"{intent.key}: acknowledged {intent.device}, stored {device.pk}")
        if not intent.acked:
            unacked_kept += 1
        advance = Decimal(intent.data["advance_amount"] or "0")
        advance_key = uuid.uuid5(uuid.UUID(intent.key), "advance")
        paid = Payment.objects.filter(idempotency_key=advance_key).aggregate(s=Sum("amount"))["s"]
        if (
            not Service.objects.filter(device=device).exists()
            or DeviceEvent.objects.filter(device=device, kind="received").count() != 1
            or (paid or Decimal("0")) != advance
        ):
            half.append(device.job_number)
    checks.append(("every acknowledged intake is stored", not lost, f"{len(lost)} lost"))
    checks.append(("no intake is stored twice", not doubled, f"{len(doubled)} doubled"))
    checks.append(("acknowledged intakes point at their device", not wrong, "; ".join(wrong[:3])))
    checks.append(
        (
            "every stored intake is whole (service, 'taken in' event, its advance)",
            not half,
            f"{len(half)} partial" + (f": {half[:3]}" if half else ""),
        )
    )
    strays = Device.objects.filter(intake_key__isnull=True).count()
    keyed = Device.objects.count()
    expected = sum(1 for i in intakes if Device.objects.filter(intake_key=i.key).exists())
    checks.append(
        (
            "no device without an intake we sent",
            strays == 0 and keyed == expected,
            f"{keyed} devices, {expected} from our intakes, {strays} without a key",
        )
    )

    lost_p, wrong_p, unacked_p = [], [], 0
    for intent in payments:
        rows = list(Payment.objects.filter(idempotency_key=intent.key))
        if intent.acked and len(rows) != 1:
            lost_p.append(intent.key)
            continue
        if not rows:
            continue
        payment = rows[0]
        if payment.device_id != intent.device or payment.amount != Decimal(intent.data["amount"]):
            wrong_p.append(intent.key)
        if not intent.acked:
            unacked_p += 1
    checks.append(("every acknowledged payment is stored once", not lost_p, f"{len(lost_p)} lost"))
    checks.append(
        ("stored payments have their device and amount", not wrong_p, f"{len(wrong_p)} wrong")
    )
    keys = {i.key for i in payments} | {
        str(uuid.uuid5(uuid.UUID(i.key), "advance")) for i in intakes
    }
    unknown = [p for p in Payment.objects.all() if str(p.idempotency_key) not in keys]
    checks.append(("no payment that no one sent", not unknown, f"{len(unknown)} unknown"))

    gaps = []
    for counter in JobCounter.objects.all():
        numbers = sorted(
            int(j.rsplit("-", 1)[1])
            for j in Device.objects.filter(job_number__startswith=f"J-{counter.year}-").values_list(
                "job_number", flat=True
            )
        )
        if numbers != list(range(1, counter.last_number + 1)):
            gaps.append(
                f"jobs {counter.year}: {len(numbers)} numbers, counter {counter.last_number}"
            )
    for counter in BillCounter.objects.all():
        numbers = sorted(
            Bill.objects.filter(financial_year=counter.financial_year).values_list(
                "sequence", flat=True
            )
        )
        if numbers != list(range(1, counter.last_number + 1)):
            gaps.append(
                f"bills {counter.financial_year}: {len(numbers)}, counter {counter.last_number}"
            )
    checks.append(("job and bill numbers run 1..N, no gap or repeat", not gaps, "; ".join(gaps)))

    off = []
    for bill in Bill.objects.prefetch_related("payments", "refunds"):
        paid = sum((p.amount for p in bill.payments.all()), Decimal("0"))
        refunded = sum((r.amount for r in bill.refunds.all()), Decimal("0"))
        if bill.amount_received != paid - refunded or not (
            0 <= bill.amount_received <= bill.bill_value
        ):
            off.append(bill.number)
    checks.append(("bills: received = payments - refunds, within the total", not off, f"{off[:3]}"))

    run.counters.update(
        {
            "devices stored": keyed,
            "intakes stored without an acknowledgement": unacked_kept,
            "payments stored without an acknowledgement": unacked_p,
            "payments stored (with advances)": Payment.objects.count(),
            "bills issued": Bill.objects.count(),
            "devices assigned or further": Device.objects.exclude(status="received").count(),
        }
    )
    connections.close_all()
    return checks


# --- report -----------------------------------------------------------------------------------


def percentile(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[index]


def phase_of(run: Run, at: float) -> str:
    if run.fault is None:
        return "before"
    begin, end = run.fault
    if at < begin:
        return "before"
    if at <= end + RECOVERY_WINDOW:
        return "during"
    return "after"


def is_error(sample: Sample) -> bool:
    return sample.status == "conn" or (isinstance(sample.status, int) and sample.status >= 500)


def report(run: Run, args, checks) -> str:
    lines = []
    add = lines.append
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    add("# Load and faults: results")
    add("")
    add(
        f"Run {started} on {platform.node()} ({os.cpu_count()} cores): "
        f"`bench/load_faults.py --duration {args.duration:g} --fault {args.fault}"
        f" --workers {args.workers}`, seed {args.seed}. gunicorn {args.workers} gthread workers "
        f"x {args.threads} threads, DEBUG=False, persistent connections with health checks, "
        f"PostgreSQL on {HOST}. People: 4 clerks, 4 technicians, 1 manager, 1 viewer. "
        f"Machine load average at the end: {os.getloadavg()[0]:.1f}."
    )
    add("")
    for note in run.notes:
        add(f"- {note}")
    add("")
    add("## Requests")
    add("")
    add(
        "| phase | window (s) | requests | errors (5xx / connection) | error % | p50 ms | p95 ms | p99 ms | max ms |"
    )
    add("|---|---|---|---|---|---|---|---|---|")
    total_seconds = max(s.end for s in run.samples) if run.samples else 0
    windows = {"before": (0, total_seconds), "during": (0, 0), "after": (0, 0)}
    if run.fault:
        begin, end = run.fault
        windows = {
            "before": (0, begin),
            "during": (begin, end + RECOVERY_WINDOW),
            "after": (end + RECOVERY_WINDOW, total_seconds),
        }
    for phase in ("before", "during", "after", "all"):
        samples = [s for s in run.samples if phase == "all" or phase_of(run, s.end) == phase]
        if not samples and phase != "all":
            continue
        errors = [s for s in samples if is_error(s)]
        five = sum(1 for s in errors if s.status != "conn")
        ok = [s.latency * 1000 for s in samples if not is_error(s)]
        window = "" if phase == "all" else "{:.1f}-{:.1f}".format(*windows[phase])
        add(
            f"| {phase} | {window} | {len(samples)} | {len(errors)} ({five} / {len(errors) - five}) "
            f"| {100 * len(errors) / max(1, len(samples)):.1f} | {percentile(ok, 50):.0f} "
            f"| {percentile(ok, 95):.0f} | {percentile(ok, 99):.0f} | {max(ok, default=0):.0f} |"
        )
    add("")
    add(
        "A request belongs to the phase in which its answer (or failure) came. Latency is of "
        "answered requests (not errors), from the client, in milliseconds."
    )
    kinds = {}
    for sample in run.samples:
        if is_error(sample):
            label = sample.detail if sample.status == "conn" else f"HTTP {sample.status}"
            kinds[label] = kinds.get(label, 0) + 1
    if kinds:
        add("Errors by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ".")
    add("")
    add("| action | requests | errors | p50 ms | p95 ms |")
    add("|---|---|---|---|---|")
    for action in sorted({s.action for s in run.samples}):
        samples = [s for s in run.samples if s.action == action]
        ok = [s.latency * 1000 for s in samples if not is_error(s)]
        add(
            f"| {action} | {len(samples)} | {sum(1 for s in samples if is_error(s))} "
            f"| {percentile(ok, 50):.0f} | {percentile(ok, 95):.0f} |"
        )
    if run.fault:
        add("")
        add("Around the fault, per second (requests / errors):")
        add("")
        begin = int(run.fault[0])
        cells = []
        for second in range(max(0, begin - 3), begin + 10):
            inside = [s for s in run.samples if second <= s.end < second + 1]
            cells.append(f"{second}s {len(inside)}/{sum(1 for s in inside if is_error(s))}")
        add("`" + " · ".join(cells) + "`")
    add("")
    add("## Keyed writes")
    add("")
    for kind in ("intake", "payment"):
        intents = [i for i in run.intents if i.kind == kind]
        acked = sum(1 for i in intents if i.acked)
        retried = sum(1 for i in intents if i.acked and i.failures)
        refused = sum(1 for i in intents if i.refused)
        gave_up = sum(1 for i in intents if not i.acked and not i.refused)
        add(
            f"- {kind}s sent: {len(intents)}; acknowledged: {acked} ({retried} of them after a "
            f"failed attempt, re-sent with the same key); refused by the form: {refused}; "
            f"no answer before the end: {gave_up}"
        )
    for key, value in sorted(run.counters.items()):
        add(f"- {key}: {value}")
    add("")
    add("## Checks")
    add("")
    for name, passed, detail in checks:
        add(f"- {'PASS' if passed else 'FAIL'}: {name}" + (f" ({detail})" if detail else ""))
    add("")
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument(
        "--fault",
        choices=["restart", "terminate", "none"],
        default="restart",
        help="restart PostgreSQL, end this database's connections, or nothing",
    )
    parser.add_argument("--fault-at", type=float, default=None, help="seconds (default: half)")
    parser.add_argument(
        "--polite",
        type=float,
        default=0.0,
        help="before restarting, wait up to this many seconds for other databases to go idle",
    )
    parser.add_argument("--grace", type=float, default=20.0, help="seconds for retries after")
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--no-report", action="store_true", help="do not write load_faults.md")
    args = parser.parse_args()
    host = urllib.parse.urlparse(PG_SERVER).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("PostgreSQL must be on this machine (BENCH_PG on 127.0.0.1)")
    if args.fault == "restart" and not shutil.which("pg_ctlcluster"):
        parser.error("pg_ctlcluster not found: use --fault terminate")

    env = server_env(args.port)
    print(f"preparing {DB_NAME} …", flush=True)
    people = prepare(env)
    run = Run(port=args.port, duration=args.duration, grace=args.grace, seed=args.seed)
    with Gunicorn(env, args.port, args.workers, args.threads):
        crew = []
        for role, names in people.items():
            if role == "owner":
                continue
            if role == "manager":
                names = names[:1]
            for name in names:
                browser = Browser(args.port, run.recorder)
                browser.login(name)
                crew.append((role, name, browser))
        viewer_browser = Browser(args.port, run.recorder)
        viewer_browser.login(people["owner"][0])
        crew.append(("viewer", people["owner"][0], viewer_browser))
        run.samples.clear()
        print(f"load for {args.duration:g} s, fault: {args.fault} …", flush=True)
        run.started = time.monotonic()
        threads = []
        for n, (role, name, browser) in enumerate(crew):
            rng = random.Random(args.seed * 1000 + n)
            target, extra = {
                "clerk": (clerk, (100_000 * (n + 1),)),
                "technician": (technician, ()),
                "manager": (manager, ()),
                "viewer": (viewer, ()),
            }[role]
            threads.append(
                threading.Thread(target=target, args=(run, browser, rng, *extra), name=name)
            )
        if args.fault != "none":
            at = args.fault_at if args.fault_at is not None else args.duration / 2
            threads.append(
                threading.Thread(
                    target=inject, args=(run, args.fault, at, args.polite), name="fault"
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        run.counters["idle keep-alive connections re-opened (as a browser does)"] = sum(
            browser.stale_retries for _, _, browser in crew
        )
        run.counters["5xx answers that were the plain error page (no traceback)"] = sum(
            browser.plain_errors for _, _, browser in crew
        )
    print("checking the database …", flush=True)
    checks = verify(run)
    server_errors = [x for x in run.samples if isinstance(x.status, int) and x.status >= 500]
    plain = run.counters["5xx answers that were the plain error page (no traceback)"]
    checks.append(
        (
            "every 5xx answer was the app's plain error page",
            plain == len(server_errors),
            f"{plain} of {len(server_errors)}",
        )
    )
    if run.fault:
        late = [x for x in run.samples if is_error(x) and phase_of(run, x.end) == "after"]
        checks.append(
            (
                f"no error later than {RECOVERY_WINDOW:g} s after the fault ended",
                not late,
                f"{len(late)} errors",
            )
        )
    text = report(run, args, checks)
    print(text)
    if not args.no_report:
        REPORT.write_text(text)
        print(f"written to {REPORT.relative_to(REPO_DIR)}")
    return 0 if all(passed for _, passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
