"""A small, realistic shop to click around in: ``manage.py demo_data``.

Everything goes through the same services the pages use, so the demo's devices have
timelines, bills are numbered and payments add up.
"""

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from billing.models import ShopSettings
from billing.services import bill_close, delivery_complete, payment_record, return_unrepaired
from crm.models import LeadSource, LeadStatus
from crm.services import lead_convert, lead_create, lead_update
from devices.models import Device
from devices.services import device_intake, part_add, service_update
from devices.workflow import device_assign

DEMO_PASSWORD = "Demo-repair-2026"

STAFF = [
    # username, first name, role, technician
    ("ravi", "Ravi", Role.MANAGER, False),
    ("kavya", "Kavya", Role.STAFF, False),
    ("arun", "Arun", Role.STAFF, True),
    ("meena", "Meena", Role.STAFF, True),
    ("sanjay", "Sanjay", Role.STAFF, True),
]

CUSTOMERS = [
    ("John Doe", "98450 12345", "Jayanagar"),
    ("Priya Sharma", "+91 99001 23456", "Koramangala"),
    ("Mohammed Irfan", "919880112233", "Shivajinagar"),
    ("Lakshmi Narayan", "97411 55667", "Malleshwaram"),
    ("Anil Kumar", "90080 44321", "Whitefield"),
    ("Sneha Reddy", "+91 96633 78901", "HSR Layout"),
    ("Deepak Traders", "080 2345 6789", "Chickpet"),
    ("Fatima Begum", "98860 99887", "Frazer Town"),
]

DEVICES = [
    # customer index, type, brand, model, issue, final state
    (0, "Laptop", "HP", "Pavilion 15", "No Power On", "delivered_example"),
    (1, "Laptop", "Dell", "Inspiron 3511", "Screen flickers, hinge loose", "assigned"),
    (2, "Desktop", "Lenovo", "ThinkCentre M70", "Slow, blue screen on boot", "ready_partly_paid"),
    (3, "Printer", "Epson", "L3250", "Paper jam, lines on prints", "received"),
    (4, "Laptop", "Apple", "MacBook Air M1", "Keyboard keys not working", "overdue"),
    (5, "Laptop", "Asus", "VivoBook 14", "Battery not charging", "delivered"),
    (6, "Monitor", "Samsung", "S24R350", "No display", "returned"),
    (7, "Laptop", "Acer", "Aspire 7", "Overheating, fan noise", "assigned"),
    (0, "Desktop", "Assembled", "i5 tower", "Won't boot after power cut", "received"),
    (1, "Tablet", "Samsung", "Galaxy Tab A8", "Cracked screen", "ready_paid"),
]

PARTS = {
    "delivered_example": [("Power IC", 1, "1200.00"), ("DC jack", 1, "500.00")],
    "ready_partly_paid": [("SSD 512 GB", 1, "3200.00"), ("Thermal paste", 1, "150.00")],
    "delivered": [("Battery (OEM)", 1, "2800.00")],
    "ready_paid": [("Screen assembly", 1, "4500.00")],
}


class Command(BaseCommand):
    help = (
        "Fill an empty database with a small demo shop (staff, customers, devices, bills, leads)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Add the demo even if devices already exist."
        )

    def handle(self, *args, force=False, **options):
        if Device.objects.exists() and not force:
            raise CommandError("This database already has devices; pass --force to add the demo.")
        with transaction.atomic():
            self._build()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop ready. Staff logins (password {DEMO_PASSWORD}): "
                + ", ".join(f"{u} ({r})" for u, _, r, _ in STAFF)
            )
        )

    def _build(self):
        shop = ShopSettings.load()
        shop.shop_name = "TELITE Computer Care"
        shop.address = "No. 12, 1st Floor, SP Road, Bengaluru 560002"
        shop.phone = "+91 80 4123 4567"
        shop.tax_id = "29ABCDE1234F1Z5"
        shop.save()

        people = {}
        for index, (username, first, role, tech) in enumerate(STAFF):
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "role": role,
                    "is_technician": tech,
                    "phone_number": f"+91 94480 {10000 + index:05d}",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            people[username] = user
        manager, clerk = people["ravi"], people["kavya"]
        technicians = [people["arun"], people["meena"], people["sanjay"]]
        today = timezone.localdate()

        assigned = 0
        for n, (ci, kind, brand, model, issue, state) in enumerate(DEVICES):
            name, number, place = CUSTOMERS[ci]
            advance = {"amount": "500", "mode": "upi", "reference": ""} if n % 3 == 0 else None
            device = device_intake(
                by=clerk,
                customer={"whatsapp_number": number, "name": name, "location": place},
                device={
                    "device_name": kind,
                    "brand": brand,
                    "model": model,
                    "serial_number": f"{brand[:2].upper()}{202600 + n * 37}",
                    "issue_description": issue,
                    "accessories": "Charger" if kind == "Laptop" else "",
                    "condition": "Minor scratches on the lid" if n % 2 else "",
                    "expected_delivery_date": today + datetime.timedelta(days=2 + n % 4),
                    "expected_budget": Decimal("2500.00") if n == 0 else None,
                },
                advance=advance,
            )
            if state == "received":
                continue
            tech = technicians[assigned % len(technicians)]
            assigned += 1
            device = device_assign(device=device, technician=tech, by=manager)
            if state in ("assigned", "overdue"):
                if state == "overdue":
                    # Promised last week and still on the bench: what the overdue list is for.
                    Device.objects.filter(pk=device.pk).update(
                        expected_delivery_date=today - datetime.timedelta(days=4)
                    )
                continue
            if state == "returned":
                return_unrepaired(
                    device=device,
                    by=clerk,
                    reason="Panel damaged beyond economical repair; customer declined",
                    inspection_charge=Decimal("300.00"),
                )
                continue
            labour = Decimal("800.00") if state == "delivered_example" else Decimal("600.00")
            service_update(
                device=device,
                by=tech,
                diagnosis="Checked power rail and board; fault confirmed." if n == 0 else issue,
                work_done="Replaced faulty parts and tested for 2 hours.",
                labour_charge=labour,
            )
            for part, qty, cost in PARTS.get(state, []):
                part_add(device=device, by=tech, name=part, quantity=qty, unit_cost=cost)
            bill = bill_close(device=device, by=tech)
            if state == "ready_partly_paid":
                payment_record(device=device, amount="1000", mode="cash", by=clerk)
            elif state in ("ready_paid", "delivered", "delivered_example"):
                payment_record(device=device, amount=bill.balance, mode="upi", by=clerk)
                if state != "ready_paid":
                    delivery_complete(device=device, by=clerk)

        won = lead_create(
            name="Green Valley School",
            phone="98451 77889",
            source=LeadSource.REFERRAL,
            requirement="AMC for 25 desktops and 3 printers",
            estimated_value=Decimal("85000.00"),
            owner=manager,
            follow_up_date=today,
            by=manager,
        )
        lead_update(lead=won, by=manager, status=LeadStatus.CONTACTED, note="Visited the lab.")
        lead_update(lead=won, by=manager, status=LeadStatus.WON, note="Signed for one year.")
        lead_convert(lead=won, by=manager, location="Basavanagudi")
        lead_create(
            name="Rahul Menon",
            phone="+91 90199 88776",
            source=LeadSource.WHATSAPP,
            requirement="Gaming PC build, budget ₹1.2 lakh",
            estimated_value=Decimal("120000.00"),
            owner=clerk,
            follow_up_date=today - datetime.timedelta(days=1),
            by=clerk,
        )
        lead_create(
            name="Sunita Rao",
            phone="99024 11223",
            source=LeadSource.WALK_IN,
            requirement="Laptop screen replacement quote",
            estimated_value=Decimal("6500.00"),
            owner=clerk,
            follow_up_date=today + datetime.timedelta(days=2),
            by=clerk,
        )
