"""Build a benchmark database: a repair centre taking ~55 devices a day.

    .venv/bin/python bench/generate.py --size large      # 200,000 devices, ~10 years
    .venv/bin/python bench/generate.py --size small      # 1,000 devices, same daily shape
    .venv/bin/python bench/generate.py --size large --force   # rebuild even if current

Both sizes are the same shop on the same day: the same intake rate, turnaround, open work
(a week or two of intake), overdue jobs, uncollected devices and payment habits. Only the
length of history differs (18 days against 10 years), so a page that shows today's work
should cost the same in both, and a page that searches history shows how it scales.

Rows are made in Python from a fixed seed and written with PostgreSQL COPY (psycopg's
``cursor.copy()``), foreign-key triggers off during the load (the data is consistent by
construction), then sequences are moved past the ids and the tables analysed.
The database is created afresh; the schema comes from the project's own migrations.
"""

import argparse
import datetime as dt
import random
import string
import sys
import time
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BENCH_PASSWORD,
    GENERATOR_VERSION,
    PG_SERVER,
    SIZES,
    db_name,
    setup_django,
)

IST = zoneinfo.ZoneInfo("Asia/Kolkata")
PER_DAY = 55  # ~200,000 devices in ten years
SEED = 20261124
TWO = Decimal("0.01")

FIRST_NAMES = (
    "Aarav Aditi Akash Ananya Anil Anjali Arjun Arun Asha Bhavna Deepak Divya Gaurav Geeta "
    "Harish Isha Karan Kavya Kiran Lakshmi Madhu Mahesh Manoj Meena Mohan Naveen Neha Nikhil "
    "Pooja Prakash Priya Rahul Rajesh Ramesh Ravi Rekha Rohit Sanjay Santosh Shweta Sneha "
    "Sunil Suresh Swati Tanvi Uday Varun Vidya Vijay Vikram Yash Zoya Farhan Imran Joseph "
    "Mary Thomas Gurpreet Harpreet"
).split()
SURNAMES = (
    "Sharma Verma Gupta Iyer Nair Reddy Rao Naidu Patil Kulkarni Deshpande Joshi Shetty Hegde "
    "Gowda Menon Pillai Das Banerjee Mukherjee Chatterjee Singh Kaur Khan Ali Fernandes "
    "D'Souza Mathew Kumar Prasad Mishra Pandey Yadav Jain Mehta Shah Desai Bhat Acharya Murthy"
).split()
LOCATIONS = (
    "Jayanagar|Koramangala|Indiranagar|Malleshwaram|Basavanagudi|Rajajinagar|Whitefield|"
    "HSR Layout|BTM Layout|JP Nagar|Banashankari|Yelahanka|Hebbal|Marathahalli|Electronic City|"
    "Vijayanagar|Shivajinagar|RT Nagar|Frazer Town|Ulsoor|Kengeri|Hoskote|Sarjapur|Bellandur"
).split("|")
DEVICE_KINDS = [  # (kind, weight, brands, models, budget range)
    (
        "Laptop",
        45,
        "HP Dell Lenovo Asus Acer Apple MSI",
        "15s|Inspiron 15|IdeaPad 3|VivoBook 15|"
        "Aspire 5|MacBook Air|Pavilion 14|ThinkPad E14|Latitude 5420|Modern 14",
        (800, 9000),
    ),
    (
        "Desktop",
        18,
        "HP Dell Lenovo Acer Assembled",
        "ProDesk 400|OptiPlex 3080|ThinkCentre M70|Veriton|i5 tower|i3 tower",
        (600, 7000),
    ),
    (
        "Printer",
        15,
        "HP Canon Epson Brother",
        "LaserJet 1020|DeskJet 2331|PIXMA G2010|EcoTank L3250|HL-L2321D|LaserJet M1005",
        (400, 3500),
    ),
    (
        "Monitor",
        7,
        "Dell LG Samsung BenQ Acer",
        "22 inch|24 inch|27 inch|E2216H|24MK600",
        (500, 4000),
    ),
    ("UPS", 6, "APC Microtek Luminous", "BX600C|600VA|1100VA", (300, 2500)),
    ("All-in-one", 4, "HP Lenovo Dell", "AIO 24|IdeaCentre 3|Inspiron 24", (1000, 9000)),
    ("Tablet", 3, "Samsung Apple Lenovo", "Galaxy Tab A7|iPad 9|Tab M10", (800, 6000)),
    ("Motherboard", 2, "Gigabyte Asus MSI", "H410M|B450M|H510M", (600, 4000)),
]
ISSUES = [
    "No power on",
    "Not booting, stuck on logo",
    "Display flickering",
    "Very slow, hangs often",
    "Keyboard keys not working",
    "Battery not charging",
    "Overheating and shutting down",
    "Blue screen errors",
    "No display",
    "Paper jam, not printing",
    "Printing faded / streaks",
    "Hinge broken",
    "Water spilled on keyboard",
    "Windows reinstall and data backup",
    "Fan noise",
    "USB ports not working",
    "Wi-Fi not connecting",
    "Charging port loose",
    "Cracked screen",
    "Beeping at start-up",
    "UPS not holding backup",
    "Virus / pop-ups",
]
ACCESSORIES = [
    "Charger",
    "Charger, bag",
    "None",
    "Power cable",
    "Charger, mouse",
    "Bag",
    "Power cable, USB cable",
    "Adapter",
]
CONDITIONS = [
    "Minor scratches",
    "Good",
    "Dent on corner",
    "Screen scratches",
    "Missing screw at bottom",
    "Worn keyboard",
    "Cracked bezel",
    "Good, sticker on lid",
]
PARTS = [  # (name, low, high)
    ("SSD 256 GB", 1800, 2800),
    ("SSD 512 GB", 2800, 4200),
    ("RAM 8 GB DDR4", 1600, 2400),
    ("Battery", 2200, 4800),
    ("Keyboard", 900, 2200),
    ("Screen 15.6 inch", 3200, 6200),
    ("DC jack", 250, 600),
    ("Cooling fan", 600, 1400),
    ("Thermal paste", 150, 300),
    ("Hinge set", 700, 1600),
    ("Power supply (SMPS)", 900, 2200),
    ("CMOS battery", 60, 150),
    ("Toner cartridge", 700, 2600),
    ("Fuser unit", 1400, 3200),
    ("Pickup roller", 250, 700),
    ("UPS battery 12V 7Ah", 900, 1400),
    ("Charger adapter 65W", 900, 1900),
    ("Wi-Fi card", 500, 1200),
    ("HDMI cable", 200, 450),
    ("SATA cable", 80, 200),
]
DIAGNOSES = [
    "Tested: power IC short on board",
    "Storage failing SMART test",
    "Battery worn out (30%)",
    "Heat sink clogged, fan bearing worn",
    "Corrupt OS install",
    "Loose display cable",
    "Keyboard flex damaged by liquid",
    "Print head clogged",
    "Board component damaged",
]
WORK = [
    "Replaced part, tested 2 hours",
    "Cleaned and re-pasted, stress tested",
    "OS reinstalled, drivers and data restored",
    "Board-level repair, tested",
    "Replaced and calibrated",
    "Cleaned rollers, test print OK",
]
RETURN_REASONS = [
    "Customer declined the estimate",
    "Beyond economical repair",
    "Part not available",
    "Customer took it back before repair",
]
LEAD_NEEDS = [
    "Laptop screen replacement quote",
    "AMC for 12 office desktops",
    "Buy refurbished laptop",
    "Printer servicing for office",
    "CCTV + UPS setup",
    "Data recovery from failed disk",
    "Upgrade 5 PCs to SSD",
    "New gaming desktop build",
]
LEAD_SOURCES = ["walk_in", "phone", "whatsapp", "referral", "website", "social", "other"]
MODES = (["cash"] * 45) + (["upi"] * 40) + (["card"] * 10) + (["bank"] * 5)


def money(x) -> Decimal:
    return Decimal(x).quantize(TWO)


def financial_year(day: dt.date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def fmt_inr(amount: Decimal) -> str:
    from telite.money import format_money

    return format_money(amount, symbol="₹")


class Tables:
    """Rows per model, each a dict of field name -> value; missing fields get defaults."""

    def __init__(self):
        self.rows = defaultdict(list)

    def add(self, model_class, /, **values) -> dict:
        self.rows[model_class].append(values)
        return values


def build(n_devices: int, now: dt.datetime, rng: random.Random) -> tuple[Tables, dict]:  # noqa: C901
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from billing.models import Bill, BillCounter, BillLine, Payment
    from crm.models import Lead, LeadNote
    from customers.models import Customer
    from devices.models import Device, DeviceEvent, JobCounter, Service, SparePart

    t = Tables()
    today = now.astimezone(IST).date()
    n_days = max(1, round(n_devices / PER_DAY))
    # The shop opens 10:00-19:30; today counts for the part of the day that has passed.
    local_now = now.astimezone(IST)
    open_hours = min(9.5, max(0.0, local_now.hour + local_now.minute / 60 - 10))
    last_day = today if open_hours > 0.25 else today - dt.timedelta(days=1)
    first_day = last_day - dt.timedelta(days=n_days - 1)
    start_of_history = dt.datetime.combine(first_day, dt.time(9, 0), IST)

    # --- people -------------------------------------------------------------------------
    pw = make_password(BENCH_PASSWORD)
    users = []
    uid = 0

    def user(username, first, last, role, technician=False):
        nonlocal uid
        uid += 1
        t.add(
            User,
            id=uid,
            password=pw,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@telite.example.in",
            role=role,
            is_technician=technician,
            is_staff=role in ("admin", "manager"),
            is_superuser=role == "admin",
            is_active=True,
            date_joined=start_of_history,
            phone_number=f"+9190000{uid:05d}",
        )
        users.append(uid)
        return uid

    owner = user("owner", "Suresh", "Rao", "admin")
    managers = [
        user(f"manager{i}", rng.choice(FIRST_NAMES), rng.choice(SURNAMES), "manager")
        for i in (1, 2)
    ]
    desk = [
        user(f"desk{i}", rng.choice(FIRST_NAMES), rng.choice(SURNAMES), "staff")
        for i in (1, 2, 3, 4)
    ]
    techs = [
        user(f"tech{i:02d}", rng.choice(FIRST_NAMES), rng.choice(SURNAMES), "staff", True)
        for i in range(1, 21)
    ]
    tech_names = {u: f"tech{i:02d}" for i, u in enumerate(techs, 1)}
    counter_staff = desk + managers

    # --- devices, customers and everything that follows from them ----------------------
    numbers = rng.sample(range(6_000_000_000, 9_999_999_999), n_devices)
    customers = []  # customer id per device in order of arrival, for repeat visits
    cust_id = 0
    dev_id = svc_id = part_id = bill_id = line_id = pay_id = ev_id = 0
    job_seq = defaultdict(int)
    bill_seq = defaultdict(int)
    bills_to_number = []  # (issued_at, bill row) numbered after all are made
    showcase = None
    stats = defaultdict(int)

    def event(device, kind, at, by, frm="", to="", note=""):
        nonlocal ev_id
        if at > now:
            return
        ev_id += 1
        t.add(
            DeviceEvent,
            id=ev_id,
            device_id=device,
            kind=kind,
            from_value=frm,
            to_value=to,
            note=note,
            by_id=by,
            at=at,
        )

    def pay(device, bill, amount, at, by, advance):
        nonlocal pay_id
        pay_id += 1
        mode = rng.choice(MODES)
        ref = "" if mode == "cash" else str(rng.randrange(10**11, 10**12))
        t.add(
            Payment,
            id=pay_id,
            device_id=device,
            bill_id=bill,
            amount=amount,
            mode=mode,
            reference=ref,
            is_advance=advance,
            received_by_id=by,
            received_at=at,
            created_at=at,
            updated_at=at,
        )
        event(
            device,
            "payment",
            at,
            by,
            to=fmt_inr(amount),
            note=("Advance, " if advance else "") + mode.upper() + (f", ref {ref}" if ref else ""),
        )

    def make_bill(device, issued, status_value, by, amounts, labour, parts, void=None):
        nonlocal bill_id, line_id
        bill_id += 1
        row = t.add(
            Bill,
            id=bill_id,
            device_id=device,
            kind="repair",
            issued_at=issued,
            issued_by_id=by,
            **amounts,
            amount_received=money(0),
            status=status_value,
            notes="",
            void_reason="",
            voided_at=None,
            voided_by_id=None,
            version=1,
            pdf_file="",
            pdf_version=0,
            created_at=issued,
            updated_at=issued,
        )
        if void:
            row.update(
                void_reason="Reopened: customer reported the fault again",
                voided_at=void,
                voided_by_id=rng.choice(managers),
                updated_at=void,
            )
        bills_to_number.append((issued, row))
        line_id += 1
        t.add(
            BillLine,
            id=line_id,
            bill_id=bill_id,
            position=0,
            kind="labour",
            description="Labour",
            quantity=1,
            unit_price=labour,
            amount=labour,
        )
        for pos, (pname, qty, cost) in enumerate(parts, 1):
            line_id += 1
            t.add(
                BillLine,
                id=line_id,
                bill_id=bill_id,
                position=pos,
                kind="part",
                description=pname,
                quantity=qty,
                unit_price=cost,
                amount=cost * qty,
            )
        return row

    kinds, kind_weights = zip(*[(k, k[1]) for k in DEVICE_KINDS], strict=True)
    days = [first_day + dt.timedelta(days=i) for i in range(n_days)]
    # Sundays are quiet, Mondays busy; then scaled so that the days add up to n_devices.
    weights = [
        max(0.0, rng.gauss(0.55 if d.weekday() == 6 else 1.2 if d.weekday() == 0 else 1.0, 0.1))
        * (open_hours / 9.5 if d == today else 1.0)
        for d in days
    ]
    exact = [w * n_devices / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(n_days), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: n_devices - sum(counts)]:
        counts[i] += 1
    for day, count in zip(days, counts, strict=True):
        hours = open_hours if day == today else 9.5
        times = sorted(rng.uniform(10.0, 10.0 + hours) for _ in range(count))
        for hour in times:
            received = dt.datetime.combine(day, dt.time(0), IST) + dt.timedelta(hours=hour)
            received = min(received, now - dt.timedelta(minutes=1))
            dev_id += 1
            d = dev_id
            # Customers: about half the visits are from someone who came before.
            if customers and rng.random() < 0.5:
                cust = rng.choice(customers)
            else:
                cust_id += 1
                cust = cust_id
                first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
                t.add(
                    Customer,
                    id=cust,
                    name=f"{first} {last}",
                    location=rng.choice(LOCATIONS),
                    whatsapp_number=f"+91{numbers[cust - 1]}",
                    email=f"{first.lower()}.{cust}@example.in" if rng.random() < 0.3 else "",
                    notes="",
                    created_at=received,
                    updated_at=received,
                )
            customers.append(cust)

            kind = rng.choices(kinds, kind_weights)[0]
            name, _, brands, models_, (lo, hi) = kind
            local_year = received.astimezone(IST).year
            job_seq[local_year] += 1
            expected = received.astimezone(IST).date() + dt.timedelta(
                days=rng.choice((2, 3, 3, 4, 5, 7))
            )
            budget = money(rng.randrange(lo, hi, 100)) if rng.random() < 0.6 else None
            desk_user = rng.choice(counter_staff)

            # The planned life of the job; whatever lies after `now` has not happened yet.
            # Taken in late afternoon: assigned next morning; one in ten waits days for the
            # technician who knows that kind of device.
            local_received = received.astimezone(IST)
            if rng.random() < 0.1:
                assigned_at = received + dt.timedelta(days=rng.uniform(1, 3))
            elif local_received.hour >= 16:
                next_morning = dt.datetime.combine(
                    local_received.date() + dt.timedelta(days=1), dt.time(10), IST
                )
                assigned_at = next_morning + dt.timedelta(hours=rng.uniform(0, 3))
            else:
                assigned_at = received + dt.timedelta(hours=rng.uniform(0.2, 6))
            r = rng.random()
            repair_days = (
                rng.uniform(0.3, 4)
                if r < 0.9
                else rng.uniform(4, 15)
                if r < 0.99
                else rng.uniform(15, 50)
            )
            ready_at = assigned_at + dt.timedelta(days=repair_days)
            r = rng.random()
            wait_days = (
                rng.uniform(0.05, 3)
                if r < 0.85
                else rng.uniform(3, 25)
                if r < 0.995
                else rng.uniform(25, 200)
                if r < 0.9998
                else 10**5
            )
            delivered_at = ready_at + dt.timedelta(days=wait_days)
            returned = rng.random() < 0.04
            return_at = (received + dt.timedelta(days=rng.uniform(0.5, 6))) if returned else None
            if returned and rng.random() < 0.3:
                assigned_at = None  # taken back before anyone looked at it
            tech = rng.choice(techs)
            reopened = not returned and rng.random() < 0.004

            status, a_at, r_at, dl_at, rt_at = "received", None, None, None, None
            if returned and return_at <= now:
                status, rt_at = "returned", return_at
                if assigned_at and assigned_at < return_at:
                    a_at = assigned_at
            elif returned:
                if assigned_at and assigned_at <= now:
                    status, a_at = "assigned", assigned_at
            elif assigned_at <= now:
                status, a_at = "assigned", assigned_at
                if ready_at <= now:
                    status, r_at = "ready", ready_at
                    if delivered_at <= now:
                        status, dl_at = "delivered", delivered_at
            if status in ("received", "assigned") and expected < today:
                stats["overdue"] += 1
            stats[status] += 1
            last_change = max(x for x in (received, a_at, r_at, dl_at, rt_at) if x)

            t.add(
                Device,
                id=d,
                job_number=f"J-{local_year}-{job_seq[local_year]:05d}",
                customer_id=cust,
                device_name=name,
                brand=rng.choice(brands.split()),
                model=rng.choice(models_.split("|")),
                serial_number="".join(rng.choices(string.ascii_uppercase + string.digits, k=10)),
                issue_description=rng.choice(ISSUES),
                accessories=rng.choice(ACCESSORIES),
                condition=rng.choice(CONDITIONS),
                password_note="PIN given" if rng.random() < 0.1 else "",
                expected_delivery_date=expected,
                expected_budget=budget,
                status=status,
                assigned_to_id=tech if a_at else None,
                added_by_id=desk_user,
                received_at=received,
                assigned_at=a_at,
                ready_at=r_at,
                delivered_at=dl_at,
                returned_at=rt_at,
                return_reason=rng.choice(RETURN_REASONS) if rt_at else "",
                created_at=received,
                updated_at=last_change,
            )
            event(
                d,
                "received",
                received,
                desk_user,
                to="received",
                note=f"Taken in: {rng.choice(ISSUES).lower()}",
            )
            if a_at:
                event(
                    d, "assigned", a_at, rng.choice(managers), frm="unassigned", to=tech_names[tech]
                )
                if rng.random() < 0.03:
                    other = rng.choice(techs)
                    event(
                        d,
                        "reassigned",
                        a_at + dt.timedelta(hours=3),
                        rng.choice(managers),
                        frm=tech_names[other],
                        to=tech_names[tech],
                        note="Workload balancing",
                    )
            if rt_at:
                event(
                    d,
                    "returned",
                    rt_at,
                    desk_user,
                    frm="assigned" if a_at else "received",
                    to="returned",
                    note=rng.choice(RETURN_REASONS),
                )

            # Advance at intake, for about a third of the jobs that are going to be billed.
            advance = None
            if not returned and rng.random() < 0.35:
                advance = money(rng.choice((200, 300, 500, 500, 1000, 1000, 1500, 2000)))

            if not a_at:
                if advance and not returned:
                    pay(d, None, advance, received + dt.timedelta(minutes=5), desk_user, True)
                continue

            # Service and spare parts: the technician's record.
            svc_id += 1
            s = svc_id
            done = r_at is not None
            labour = money(rng.randrange(2, 31) * 50)
            t.add(
                Service,
                id=s,
                device_id=d,
                diagnosis=rng.choice(DIAGNOSES) if (done or rng.random() < 0.5) else "",
                work_done=rng.choice(WORK) if done else "",
                labour_charge=labour,
                updated_by_id=tech,
                created_at=a_at,
                updated_at=(r_at or a_at + dt.timedelta(hours=1)),
            )
            n_parts = (
                0 if returned else rng.choices((0, 1, 2, 3, 4, 5, 6), (10, 25, 30, 20, 8, 5, 2))[0]
            )
            parts = []
            for i in range(n_parts):
                pname, plo, phi = rng.choice(PARTS)
                qty = 1 if rng.random() < 0.92 else 2
                cost = money(rng.randrange(plo, phi, 10))
                at = a_at + dt.timedelta(hours=1 + i)
                if at > now:
                    break
                part_id += 1
                parts.append((pname, qty, cost))
                t.add(
                    SparePart,
                    id=part_id,
                    service_id=s,
                    name=pname,
                    quantity=qty,
                    unit_cost=cost,
                    added_by_id=tech,
                    added_at=at,
                )
                event(d, "part_added", at, tech, to=f"{pname} × {qty}")
            if done:
                event(d, "service", r_at - dt.timedelta(minutes=20), tech, note="Service updated")

            if rt_at or not done:
                if advance and not rt_at:
                    pay(d, None, advance, received + dt.timedelta(minutes=5), desk_user, True)
                continue

            # The bill, issued when the repair is closed; a few were reopened and re-billed.
            subtotal = labour + sum((c * q for _, q, c in parts), Decimal("0.00"))
            discount = money(rng.choice((50, 100, 150, 200))) if rng.random() < 0.15 else money(0)
            discount = min(discount, subtotal)
            total = subtotal - discount
            if advance and advance > total:
                advance = None

            amounts = dict(subtotal=subtotal, discount=discount, bill_value=total)
            closer = rng.choice([tech, *counter_staff])
            if reopened:
                first_ready = r_at - dt.timedelta(days=rng.uniform(1.0, 2.0))
                if first_ready > a_at:
                    reopen_at = first_ready + dt.timedelta(hours=5)
                    make_bill(
                        d, first_ready, "void", closer, amounts, labour, parts, void=reopen_at
                    )
                    event(d, "ready", first_ready, closer, frm="assigned", to="ready")
                    event(
                        d,
                        "reopened",
                        reopen_at,
                        rng.choice(managers),
                        frm="ready",
                        to="assigned",
                        note="Customer reported the fault again",
                    )
                    stats["reopened"] += 1
            bill = make_bill(d, r_at, "open", closer, amounts, labour, parts)
            b = bill["id"]
            event(d, "ready", r_at, closer, frm="assigned", to="ready")
            received_total = money(0)
            if advance:
                pay(d, b, advance, received + dt.timedelta(minutes=5), desk_user, True)
                received_total += advance
            if dl_at:
                balance = total - received_total
                if balance > 0 and rng.random() < 0.97:
                    pay(
                        d,
                        b,
                        balance,
                        dl_at - dt.timedelta(minutes=2),
                        rng.choice(counter_staff),
                        False,
                    )
                    received_total += balance
                elif balance > 0:
                    part_paid = money(int(balance / 2 / 100) * 100)
                    if part_paid > 0:
                        pay(
                            d,
                            b,
                            part_paid,
                            dl_at - dt.timedelta(minutes=2),
                            rng.choice(counter_staff),
                            False,
                        )
                        received_total += part_paid
                event(d, "delivered", dl_at, rng.choice(counter_staff), frm="ready", to="delivered")
            bill["amount_received"] = received_total
            bill["status"] = (
                "paid"
                if received_total >= total
                else "partly_paid"
                if received_total > 0
                else "open"
            )
            bill["version"] = (
                1 + (1 if advance else 0) + (1 if received_total > (advance or 0) else 0)
            )
            if (
                dl_at
                and len(parts) == 3
                and advance
                and not reopened
                and bill["status"] == "paid"
                and dl_at < now - dt.timedelta(days=2)
            ):
                showcase = d  # the last one made wins: a recent, typical delivered job

    # Bill numbers: sequential per financial year, in the order issued.
    bills_to_number.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    for issued, row in bills_to_number:
        fy = financial_year(issued.astimezone(IST).date())
        bill_seq[fy] += 1
        row.update(financial_year=fy, sequence=bill_seq[fy], number=f"TB/{fy}/{bill_seq[fy]:05d}")
    for year, last in job_seq.items():
        t.add(JobCounter, year=year, last_number=last)
    for fy, last in bill_seq.items():
        t.add(BillCounter, financial_year=fy, last_number=last)

    # --- leads --------------------------------------------------------------------------
    n_leads = max(20, n_devices // 20)
    note_id = 0
    lead_span = (now - start_of_history).total_seconds()
    lead_phones = rng.sample(range(6_000_000_000, 9_999_999_999), n_leads)
    for lead in range(1, n_leads + 1):
        created = start_of_history + dt.timedelta(seconds=lead_span * (lead - 0.5) / n_leads)
        age_days = (now - created).days
        if age_days > 45:
            status = rng.choices(("won", "lost", "contacted"), (35, 60, 5))[0]
        else:
            status = rng.choices(
                ("new", "contacted", "qualified", "won", "lost"), (30, 30, 20, 10, 10)
            )[0]
        open_ = status in ("new", "contacted", "qualified")
        follow = None
        if open_:
            follow = (created + dt.timedelta(days=rng.randint(1, 20))).astimezone(IST).date()
        won_at = created + dt.timedelta(days=rng.uniform(1, 30)) if status == "won" else None
        if won_at and won_at > now:
            won_at = now
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        owner_id = rng.choice(managers + desk)
        t.add(
            Lead,
            id=lead,
            name=f"{first} {last}",
            phone=f"+91{lead_phones[lead - 1]}",
            email="",
            source=rng.choice(LEAD_SOURCES),
            requirement=rng.choice(LEAD_NEEDS),
            estimated_value=money(rng.randrange(1000, 90000, 500)) if rng.random() < 0.7 else None,
            status=status,
            owner_id=owner_id,
            follow_up_date=follow,
            customer_id=rng.randint(1, cust_id) if status == "won" else None,
            won_at=won_at,
            lost_reason="Price too high" if status == "lost" else "",
            created_by_id=owner_id,
            created_at=created,
            updated_at=won_at or created,
        )
        path = {
            "won": ["contacted", "qualified", "won"],
            "lost": ["contacted", "lost"],
            "contacted": ["contacted"],
            "qualified": ["contacted", "qualified"],
        }.get(status, [])
        prev = "new"
        for step, to in enumerate(path, 1):
            note_id += 1
            at = min(now, created + dt.timedelta(days=step * rng.uniform(0.5, 5)))
            t.add(
                LeadNote,
                id=note_id,
                lead_id=lead,
                text=f"Called, {to}",
                from_status=prev,
                to_status=to,
                by_id=owner_id,
                at=at,
            )
            prev = to
        if rng.random() < 0.3:
            note_id += 1
            t.add(
                LeadNote,
                id=note_id,
                lead_id=lead,
                text="Sent quotation on WhatsApp",
                from_status="",
                to_status="",
                by_id=owner_id,
                at=created,
            )

    stats.update(
        customers=cust_id,
        devices=dev_id,
        parts=part_id,
        bills=bill_id,
        events=ev_id,
        payments=pay_id,
        leads=n_leads,
        days=n_days,
    )
    meta = {
        "generator_version": GENERATOR_VERSION,
        "devices": str(n_devices),
        "seed": str(SEED),
        "built_on": today.isoformat(),
        "built_at": now.isoformat(),
        "showcase_device": str(showcase or ""),
        "owner_id": str(owner),
        "technician_id": str(techs[0]),
        **{f"count_{k}": str(v) for k, v in stats.items()},
    }
    return t, meta


def _field_value(field, values):
    if field.attname in values:
        return values[field.attname]
    if field.name in values:
        return values[field.name]
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if field.get_internal_type() in (
        "CharField",
        "TextField",
        "EmailField",
        "FileField",
        "ImageField",
        "SlugField",
        "URLField",
    ):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name}: no value and no default")


def copy_rows(cursor, model, rows) -> int:
    """COPY the rows of one model; columns missing from the database (a model field whose
    migration does not exist yet) are skipped, missing values take the field's default."""
    import json

    from django.db import models as djm

    table = model._meta.db_table
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table]
    )
    in_db = {r[0] for r in cursor.fetchall()}
    fields = [f for f in model._meta.concrete_fields if f.column in in_db]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    json_fields = {i for i, f in enumerate(fields) if isinstance(f, djm.JSONField)}
    given = set().union(*(r.keys() for r in rows[:1000]))
    # Per field: the key it is given under, else a constant default (computed once).
    plan = []
    for f in fields:
        key = f.attname if f.attname in given else f.name if f.name in given else None
        plan.append((key, None if key else _field_value(f, {})))
    with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        for values in rows:
            row = [values.get(key, default) if key else default for key, default in plan]
            for i in json_fields:
                row[i] = json.dumps(row[i])
            copy.write_row(row)
    return len(rows)


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def read_meta(name: str) -> dict | None:
    import psycopg

    try:
        with psycopg.connect(f"{PG_SERVER}/{name}", autocommit=True) as conn:
            rows = conn.execute("SELECT key, value FROM bench_meta").fetchall()
    except psycopg.Error:
        return None
    return dict(rows)


def is_current(name: str, n_devices: int, today: dt.date) -> bool:
    meta = read_meta(name)
    return bool(
        meta
        and meta.get("generator_version") == GENERATOR_VERSION
        and meta.get("devices") == str(n_devices)
        and meta.get("built_on") == today.isoformat()
        and meta.get("complete") == "yes"
    )


def generate(size: str, n_devices: int | None = None, *, force: bool = False) -> dict:
    n_devices = n_devices or SIZES[size]
    name = db_name(size)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(IST).date()
    if not force and is_current(name, n_devices, today):
        print(
            f"{name}: already built today by generator v{GENERATOR_VERSION}; reusing it "
            "(migrations are applied below)"
        )
        setup_django(size)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        return read_meta(name)

    started = time.monotonic()
    create_database(name)
    setup_django(size)
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    print(f"{name}: schema migrated in {time.monotonic() - started:.0f} s; making rows")

    rng = random.Random(SEED)
    tables, meta = build(n_devices, now, rng)
    print(f"{name}: rows made in {time.monotonic() - started:.0f} s; loading with COPY")

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY
        cursor.execute("SET session_replication_role = replica")  # no FK triggers on load
        # Parents before children, so that the order also works with triggers on.
        for model in sorted(tables.rows, key=_load_order):
            n = copy_rows(cursor, model, tables.rows[model])
            print(f"  {model._meta.db_table:<28} {n:>9,} rows")
        cursor.execute("SET session_replication_role = DEFAULT")
        for model in apps.get_models():
            pk = model._meta.pk
            if pk.get_internal_type() in ("AutoField", "BigAutoField") and model in tables.rows:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', %s), "
                    f'(SELECT COALESCE(MAX("{pk.column}"), 0) + 1 FROM "{table}"), false)',
                    [pk.column],
                )
        cursor.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        meta["build_seconds"] = f"{time.monotonic() - started:.0f}"
        meta["complete"] = "yes"
        with cursor.copy("COPY bench_meta (key, value) FROM STDIN") as copy:
            for item in meta.items():
                copy.write_row(item)

    from accounts.models import User
    from accounts.roles import assign_role_group
    from billing.models import ShopSettings

    for person in User.objects.all():
        assign_role_group(person)

    ShopSettings.objects.update_or_create(
        pk=1,
        defaults=dict(
            shop_name="TELITE Service Centre",
            address="12, 4th Cross, Jayanagar, Bengaluru 560011",
            phone="+91 80 4123 4567",
            tax_id="29ABCDE1234F1Z5",
        ),
    )
    connection.close()
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    meta["build_seconds"] = f"{time.monotonic() - started:.0f}"
    with psycopg.connect(f"{PG_SERVER}/{name}", autocommit=True) as conn:
        conn.execute(
            "UPDATE bench_meta SET value = %s WHERE key = 'build_seconds'", [meta["build_seconds"]]
        )
    print(
        f"{name}: built in {meta['build_seconds']} s: "
        + ", ".join(f"{k[6:]} {int(v):,}" for k, v in meta.items() if k.startswith("count_"))
    )
    return meta


def _load_order(model) -> int:
    order = [
        "User",
        "Customer",
        "Device",
        "JobCounter",
        "Service",
        "SparePart",
        "Bill",
        "BillCounter",
        "BillLine",
        "Payment",
        "DeviceEvent",
        "Lead",
        "LeadNote",
    ]
    return order.index(model.__name__) if model.__name__ in order else len(order)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--devices", type=int, help="override the size's device count")
    parser.add_argument("--force", action="store_true", help="rebuild even if current")
    args = parser.parse_args(argv)
    generate(args.size, args.devices, force=args.force)


if __name__ == "__main__":
    main()
