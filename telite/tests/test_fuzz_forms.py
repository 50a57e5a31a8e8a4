"""Bad input against every form: random text, huge and negative numbers, odd unicode (RTL
marks, emoji, NUL — which PostgreSQL refuses in text), impossible dates, missing fields.

For every submission: never a 500 (the test client raises it); a form that comes back
(200) says what is wrong and wrote no row in any table; a success wrote only the rows that
action writes, and the page it leads to opens. Each example runs in a savepoint that is
rolled back, so every example starts from the same shop.
"""

import contextlib
import datetime
import os
import uuid
from decimal import Decimal, InvalidOperation

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import transaction
from django.forms import BaseForm
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.tests.factories import PASSWORD
from billing import services as billing
from billing.models import Bill, BillChange, Payment, ShopSettings
from crm.models import Lead
from crm.tests.factories import LeadFactory
from devices.models import Device, DeviceStatus, Service, SparePart
from devices.tests.factories import DeviceFactory, ServiceFactory, SparePartFactory
from devices.tests.helpers import image_upload, intake_data, text_pretending_to_be_jpeg
from telite.money import typed_amount
from telite.tests.rows import changed_tables, table_row_counts

pytestmark = pytest.mark.django_db

# Moderate: the whole file runs in well under a minute. Fixed examples on CI, so that a
# submission is never failed by a new random draw; new draws on developers' machines.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 25)),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MISSING = object()  # the field is not sent at all

NASTY = [
    "",
    " ",
    "\x00",
    "98450\x0012345",
    "ok\x00",
    "\u202eevil\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "😀🔧💻",
    "👩‍🔧" * 40,
    "\ufeff\u200b",
    "A" * 5000,
    "'; DROP TABLE devices_device; --",
    "<script>alert(1)</script>",
    "{{ request }}{% debug %}",
    "%(x)s %s %n",
    "\r\n\t",
    "None",
    "null",
]
WEIRD_NUMBERS = [
    "",
    "0",
    "-0",
    "-1",
    "-500.50",
    "0.001",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "१२३",
    "١٢٣",
    "１２３",
    "²",
    "12,500",
    "₹500",
    " 500 ",
    "9999999999.99",
    "10000000000",
    "99999999999999999999999999",
    "1.234567",
]
WEIRD_DATES = [
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "31/12/2026",
    "12/31/2026",
    "tomorrow",
    "2026-1-1",
    "",
]

text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(NASTY),
    st.text(min_size=200, max_size=1200),
)
number = st.one_of(
    st.integers(-(10**15), 10**15).map(str),
    st.decimals(
        min_value=-(10**13), max_value=10**13, allow_nan=False, allow_infinity=False, places=3
    ).map(str),
    st.sampled_from(WEIRD_NUMBERS),
    text,
)
date = st.one_of(st.dates().map(datetime.date.isoformat), st.sampled_from(WEIRD_DATES), text)


def field(*valid, weird=text):
    """A field: a valid value (often), something odd, or not sent at all."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), weird, st.just(MISSING))


def form(**fields):
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not MISSING}
    )


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def as_money(value) -> Decimal | None:
    """The amount a counter meant by ``value`` ("12,500", "₹500", "1500/-" included: the
    marks ``typed_amount`` takes off, tested on their own in test_money), exactly as typed:
    a stored amount must equal it, not a rounding of it."""
    try:
        return Decimal(typed_amount(value))
    except (InvalidOperation, ValueError):
        return None


@contextlib.contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def refusal_shown(response) -> bool:
    """The page says what is wrong: a form error on the page, or an error message."""
    html = response.content.decode()
    context = response.context
    if context is not None:
        for key in context.keys():
            value = context.get(key)
            if isinstance(value, BaseForm) and value.errors:
                texts = [e for errors in value.errors.values() for e in errors]
                if any(escape(t) in html for t in texts):
                    return True
    if any(
        m.level >= messages.WARNING and escape(m.message) in html
        for m in get_messages(response.wsgi_request)
    ):
        return True
    # An error on a field the person cannot see (a hidden one, or one their role is not
    # shown) comes back under the page's own explanation of what to do.
    return "alert-danger" in html or "alert-warning" in html


def submit(client, path, data, *, may_write, htmx=False):
    """POST ``data``; check the outcome; return (response, tables written)."""
    before = table_row_counts()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    # A browser always sends the CSRF field, so even a form with every field missing
    # arrives as a non-empty POST (the test client does not check the token).
    response = client.post(path, {"csrfmiddlewaretoken": "x" * 64, **data}, **headers)
    written = changed_tables(before, table_row_counts())
    assert response.status_code in (200, 302), response.status_code
    if written:
        unexpected = set(written) - set(may_write)
        assert not unexpected, f"rows written where this form must not write: {written}"
        assert all(n > 0 for n in written.values()), f"rows deleted: {written}"
    if response.status_code == 200 and not htmx:
        assert not written, f"the form came back but rows were written: {written}"
        assert refusal_shown(response), "the form came back without saying what is wrong"
    if response.status_code == 302:
        location = response["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
        landed = client.get(location)
        assert landed.status_code == 200, location
        if not written:
            # Sent back with nothing saved: the page it leads to says why.
            said = [str(m) for m in landed.context["messages"]] if landed.context else []
            assert said, f"{path} saved nothing and said nothing"
    return response, written


# --- the shop every example starts from ----------------------------------------------------


@pytest.fixture(autouse=True)
def shop():
    # The settings row is made on the first page view; made here, it is not counted as a
    # row written by the submission under test.
    return ShopSettings.load()


@pytest.fixture
def in_repair(technician, front_desk):
    """Assigned to ``technician``: labour ₹500 and a ₹500 part; ₹1,200 paid in advance."""
    device = DeviceFactory(
        status=DeviceStatus.ASSIGNED, assigned_to=technician, added_by=front_desk
    )
    service = ServiceFactory(device=device, labour_charge=Decimal("500.00"))
    SparePartFactory(service=service, unit_cost=Decimal("500.00"))
    billing.payment_record(device=device, amount="1200", mode="cash", by=front_desk)
    return device


@pytest.fixture
def billed(technician, front_desk):
    """Ready for delivery: bill ₹1,000 with ₹400 received; balance ₹600."""
    device = DeviceFactory(
        status=DeviceStatus.ASSIGNED, assigned_to=technician, added_by=front_desk
    )
    ServiceFactory(device=device, labour_charge=Decimal("1000.00"))
    billing.payment_record(device=device, amount="400", mode="upi", by=front_desk)
    bill = billing.bill_close(device=device, by=technician)
    device.refresh_from_db()
    return device, bill


@pytest.fixture
def login(client_for):
    return client_for


MODES = ("cash", "upi", "card", "bank")


# --- intake ----------------------------------------------------------------------------------

INTAKE_WRITES = {
    "customers_customer",
    "customers_historicalcustomer",
    "devices_device",
    "devices_historicaldevice",
    "devices_service",
    "devices_historicalservice",
    "devices_deviceevent",
    "devices_devicephoto",
    "devices_jobcounter",
    "billing_payment",
    "billing_historicalpayment",
}
PHOTOS = {
    "jpeg": lambda: [image_upload()],
    "text named .jpg": lambda: [text_pretending_to_be_jpeg()],
    "empty file": lambda: [image_upload(size=(1, 1)), text_pretending_to_be_jpeg("empty.png")],
    "none": lambda: MISSING,
}

intake_form = form(
    intake_key=field(str(uuid.uuid4()), weird=st.one_of(st.uuids().map(str), text)),
    whatsapp_number=field("98450 12345", "+91 98450 22222", "919845033333"),
    name=field("John Doe", "Priya"),
    location=field("Jayanagar"),
    email=field("", "john@example.com"),
    device_name=field("Laptop", "Printer"),
    brand=field("HP", ""),
    model=field("Pavilion 15", ""),
    serial_number=field("5CD1234XYZ", ""),
    issue_description=field("No power on"),
    accessories=field("Charger", ""),
    condition=field("", "Scratches"),
    password_note=field(""),
    expected_delivery_date=field(days(0), days(3), days(400), weird=date),
    expected_budget=field("", "2500", weird=number),
    advance_amount=field("", "500", "0", weird=number),
    advance_mode=field(*MODES, weird=text),
    advance_reference=field("", "UPI-1234"),
)


# Random forms are almost never wholly valid: one that is, so the checks of a success run.
VALID_INTAKE = intake_data(advance_amount="500", advance_mode="upi", advance_reference="UPI-1")


@FUZZ
@given(data=intake_form, photos=st.sampled_from(sorted(PHOTOS)))
@example(data=VALID_INTAKE, photos="none")
def test_intake_form(data, photos, login, front_desk):
    client = login(front_desk)
    upload = PHOTOS[photos]()
    if upload is not MISSING:
        data = {**data, "photos": upload}
    with rolled_back():
        response, written = submit(client, "/add_device", data, may_write=INTAKE_WRITES)
        if written:
            assert written["devices_device"] == 1
            device = Device.objects.order_by("-pk").first()
            assert Service.objects.filter(device=device).exists()
            assert device.events.filter(kind="received").count() == 1
            advance = as_money(data.get("advance_amount"))
            paid = sum(p.amount for p in Payment.objects.filter(device=device))
            assert paid == (advance if advance and advance > 0 else 0)


# --- service and spare parts ------------------------------------------------------------------

service_form = form(
    diagnosis=field("Dead power IC", ""),
    work_done=field("Replaced IC", ""),
    labour_charge=field("650", "0", "1000.50", weird=number),
)


@FUZZ
@given(data=service_form)
def test_service_form(data, login, technician, in_repair):
    client = login(technician)
    with rolled_back():
        response, written = submit(
            client,
            f"/service/{in_repair.pk}",
            data,
            may_write={"devices_historicalservice", "devices_deviceevent"},
        )
        service = Service.objects.get(device=in_repair)
        assert service.labour_charge >= 0
        if written:
            assert service.labour_charge == as_money(data["labour_charge"])


part_form = form(
    name=field("CPU fan", "Keyboard"),
    quantity=field("1", "3", weird=number),
    unit_cost=field("250", "0", "99.99", weird=number),
)


@FUZZ
@given(data=part_form, htmx=st.booleans())
def test_spare_part_form(data, htmx, login, technician, in_repair):
    client = login(technician)
    url = f"/service/{in_repair.pk}/parts/"
    with rolled_back():
        response, written = submit(
            client,
            url,
            data,
            htmx=htmx,
            may_write={"devices_sparepart", "devices_historicalsparepart", "devices_deviceevent"},
        )
        if written:
            part = SparePart.objects.filter(service__device=in_repair).order_by("-pk").first()
            assert part.quantity >= 1 and part.unit_cost >= 0
            assert part.unit_cost == as_money(data["unit_cost"])
        elif htmx:
            assert refusal_shown(response) or response.status_code == 302


# --- money: payments, closing, delivery, return, bill changes ---------------------------------

NEXT = st.sampled_from(
    ["", "/devices/", "https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\x"]
)
payment_form = form(
    amount=field("100", "600", "0.01", weird=number),
    mode=field(*MODES, weird=text),
    reference=field("", "UPI-778812"),
    idempotency_key=field(str(uuid.uuid4()), weird=st.one_of(st.uuids().map(str), text)),
    next=NEXT,
)


@FUZZ
@given(data=payment_form, target=st.sampled_from(["advance", "bill"]))
def test_payment_form(data, target, login, front_desk, in_repair, billed):
    device = in_repair if target == "advance" else billed[0]
    client = login(front_desk)
    with rolled_back():
        response, written = submit(
            client,
            f"/bills/device/{device.pk}/payment",
            data,
            # A payment on a bill is in the bill's history too.
            may_write={
                "billing_payment",
                "billing_historicalpayment",
                "billing_historicalbill",
                "devices_deviceevent",
            },
        )
        bill = Bill.objects.filter(device=device).first()
        if bill is not None:
            bill.refresh_from_db()
            assert bill.amount_received == sum(p.amount for p in bill.payments.all())
            assert bill.amount_received <= bill.bill_value
        if written:
            assert written["billing_payment"] == 1


close_form = form(
    discount=field("", "0", "100", "1000", weird=number),
    refund_excess=field("on", ""),
    refund_mode=field(*MODES, weird=text),
)
CLOSE_WRITES = {
    "billing_bill",
    "billing_historicalbill",
    "billing_billline",
    "billing_billcounter",
    "billing_refund",
    "billing_historicalpayment",
    "devices_historicaldevice",
    "devices_deviceevent",
}


@FUZZ
@given(data=close_form)
def test_close_form(data, login, technician, in_repair):
    client = login(technician)
    with rolled_back():
        response, written = submit(
            client, "/close_device", {**data, "device": in_repair.pk}, may_write=CLOSE_WRITES
        )
        in_repair.refresh_from_db()
        if written:
            bill = Bill.objects.get(device=in_repair)
            assert in_repair.status == DeviceStatus.READY
            assert bill.bill_value == Decimal("1000.00") - (as_money(data.get("discount")) or 0)
            refunded = sum(r.amount for r in bill.refunds.all())
            assert bill.amount_received == Decimal("1200.00") - refunded
            assert 0 <= bill.amount_received <= bill.bill_value
        else:
            assert in_repair.status == DeviceStatus.ASSIGNED


deliver_form = form(
    allow_balance_due=field("on", ""),
    reason=field("", "Regular customer, pays Friday"),
    next=NEXT,
)


@FUZZ
@given(data=deliver_form, who=st.sampled_from(["front_desk", "manager"]))
def test_delivery_form(data, who, login, request, billed):
    device, _bill = billed
    client = login(request.getfixturevalue(who))
    with rolled_back():
        response, written = submit(
            client,
            f"/bills/device/{device.pk}/deliver",
            data,
            may_write={"devices_historicaldevice", "devices_deviceevent"},
        )
        device.refresh_from_db()
        if device.status == DeviceStatus.DELIVERED:
            # A balance is still due: only a manager, ticking the box, with a reason.
            assert who == "manager"
            assert data.get("allow_balance_due", "").lower() not in ("", "false")
            assert (data.get("reason") or "").strip()


return_form = form(
    reason=field("Customer declined the estimate"),
    inspection_charge=field("", "0", "200", "5000", weird=number),
    refund_mode=field(*MODES, weird=text),
)


@FUZZ
@given(data=return_form)
def test_return_form(data, login, front_desk, in_repair):
    client = login(front_desk)
    with rolled_back():
        response, written = submit(
            client,
            f"/bills/device/{in_repair.pk}/return",
            data,
            may_write=CLOSE_WRITES,
        )
        in_repair.refresh_from_db()
        if written:
            assert in_repair.status == DeviceStatus.RETURNED
            for bill in Bill.objects.filter(device=in_repair):
                assert 0 <= bill.amount_received <= bill.bill_value


correction_form = form(
    # "current": the bill's version as the page sent it (filled in by the test).
    version=field("current", weird=st.one_of(st.just("0"), number)),
    discount=field("0", "100", "600", weird=number),
    notes=field("", "Warranty 3 months"),
    description=field("", "Data backup"),
    quantity=field("", "1", "2", weird=number),
    unit_price=field("", "200", weird=number),
    reason=field("Goodwill discount agreed by owner"),
)


@FUZZ
@given(data=correction_form)
@example(
    data={
        "version": "current",
        "discount": "100",
        "notes": "",
        "description": "Data backup",
        "quantity": "1",
        "unit_price": "200",
        "reason": "Goodwill discount agreed by owner",
    }
)
def test_bill_correction_form(data, login, manager, billed):
    _device, bill = billed
    if data.get("version") == "current":
        data = {**data, "version": str(bill.version)}
    client = login(manager)
    with rolled_back():
        response, written = submit(
            client,
            f"/bills/{bill.pk}/correct",
            data,
            may_write={
                "billing_billchange",
                "billing_historicalbill",
                "billing_billline",
                "devices_deviceevent",
            },
        )
        bill.refresh_from_db()
        assert bill.bill_value == bill.subtotal - bill.discount
        assert 0 <= bill.discount <= bill.subtotal
        assert bill.amount_received <= bill.bill_value
        if written:
            assert BillChange.objects.filter(bill=bill).count() == 1


# --- the workshop: reassigning an overdue device -------------------------------------------


@FUZZ
@given(
    data=form(
        technician=field("other", "same", weird=text),
        expected_delivery_date=field(days(1), days(30), weird=date),
        reason=field("Waiting for a part"),
    )
)
def test_reassign_form(data, login, manager, technician, other_technician, in_repair):
    Device.objects.filter(pk=in_repair.pk).update(
        expected_delivery_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    ids = {"other": other_technician.pk, "same": technician.pk}
    pk = in_repair.pk
    posted = {f"d{pk}-{k}": ids.get(v, v) if k == "technician" else v for k, v in data.items()}
    client = login(manager)
    with rolled_back():
        submit(
            client,
            "/device_time_overlap",
            {**posted, "device": pk},
            may_write={"devices_historicaldevice", "devices_deviceevent"},
        )


# --- leads -------------------------------------------------------------------------------------

lead_form = form(
    name=field("Anil Kumar"),
    phone=field("98450 66666", "+91 98450 77777"),
    email=field("", "anil@example.com"),
    source=field("walk_in", "phone", "whatsapp"),
    requirement=field("AMC for 10 desktops"),
    estimated_value=field("", "25000", weird=number),
    status=field("new", "contacted", "won", "lost"),
    owner=field("", weird=number),
    follow_up_date=field("", days(1), days(0), weird=date),
    note=field("", "Called from the website form"),
)


@FUZZ
@given(data=lead_form)
def test_lead_form(data, login, front_desk):
    client = login(front_desk)
    with rolled_back():
        response, written = submit(
            client,
            "/crm/new/",
            data,
            may_write={"crm_lead", "crm_historicallead", "crm_leadnote"},
        )
        if written:
            assert written["crm_lead"] == 1
            lead = Lead.objects.get()
            assert lead.notes.count() == 1


@FUZZ
@given(
    data=form(
        status=field("contacted", "qualified", "won", "lost", "new"),
        follow_up_date=field("", days(2), weird=date),
        note=field("", "Sent the quote"),
    )
)
def test_lead_status_form(data, login, front_desk):
    lead = LeadFactory(created_by=front_desk)
    client = login(front_desk)
    with rolled_back():
        submit(
            client,
            f"/crm/{lead.pk}/status/",
            data,
            may_write={"crm_historicallead", "crm_leadnote"},
        )


# --- registering a colleague -------------------------------------------------------------------

register_form = form(
    username=field("lakshmi", "ravi.k"),
    first_name=field("Lakshmi", ""),
    last_name=field("Rao", ""),
    phone_number=field("98450 77777", "+91 98450 88888"),
    role=field("staff", "manager", "admin"),
    is_technician=field("on", ""),
    password1=field("Counter-pass-2026!"),
    password2=field("Counter-pass-2026!"),
)


@FUZZ
@given(data=register_form)
def test_register_form(data, login, owner):
    client = login(owner)
    with rolled_back():
        response, written = submit(
            client, "/register", data, may_write={"accounts_user", "accounts_user_groups"}
        )
        if written:
            user = User.objects.get(username=data["username"])
            assert user.check_password(data["password1"])
            assert user.role == data["role"]


# --- logging in ----------------------------------------------------------------------------

LOGIN_RECORDS = {
    # Failures are counted for the lockout and kept in its log (django-axes); a success
    # starts a session and is logged too.
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
    "django_session",
}


@FUZZ
@given(
    data=form(
        username=field("desk", "DESK", "desk\x00"),
        password=field(PASSWORD, "wrong"),
        next=field("/devices/", "https://evil.example/", "//evil.example", weird=text),
    )
)
def test_login_form(data, front_desk):
    client = Client()
    with rolled_back():
        before = table_row_counts()
        response = client.post("/login", {"csrfmiddlewaretoken": "x" * 64, **data})
        written = changed_tables(before, table_row_counts())
        assert set(written) <= LOGIN_RECORDS, written
        assert response.status_code in (200, 302, 403, 429)
        if response.status_code == 302:
            location = response["Location"]
            assert location.startswith("/") and not location.startswith("//"), location
        elif response.status_code == 200:
            assert "alert" in response.content.decode() or "invalid" in response.content.decode()


# --- searches and filters of every list ------------------------------------------------------

LISTS = [
    "/devices/",
    "/closed_devices",
    "/delivery_ready",
    "/payments/",
    "/customers/",
    "/customers/lookup/",
    "/crm/",
    "/crm/metrics/",
    "/device_assign",
    "/device_time_overlap",
    "/dashboard",
    "/add_device",
    "/crm/new/",
]
query = form(
    q=field("J-2026", "98450", weird=text),
    whatsapp_number=field("98450 12345", weird=text),
    status=field("received", "ready", "open", "won", weird=text),
    technician=field("1", weird=number),
    customer=field("1", weird=number),
    owner=field("1", weird=number),
    received_after=field(days(-30), weird=date),
    received_before=field(days(0), weird=date),
    closed_after=field(days(-30), weird=date),
    closed_before=field(days(0), weird=date),
    created_after=field(days(-30), weird=date),
    start=field(days(-30), weird=date),
    end=field(days(0), weird=date),
    mode=field(*MODES, weird=text),
    balance=field("due", "paid", weird=text),
    follow_up=field("due", weird=text),
    source=field("phone", weird=text),
    overdue=field("1", weird=text),
    mine=field("1", weird=text),
    page=field("1", "2", "last", weird=number),
)


@FUZZ
@given(path=st.sampled_from(LISTS), params=query)
def test_lists_and_searches(path, params, login, manager, billed):
    response = login(manager).get(path, params)
    assert response.status_code == 200


def test_a_garbled_device_id_on_close_is_not_found(login, technician):
    response = login(technician).post("/close_device", {"device": "1\x00"})
    assert response.status_code == 404
    response = login(technician).post("/close_device", {"device": "²"})
    assert response.status_code == 404


def test_a_nul_byte_in_a_text_field_comes_back_as_a_form_error(login, front_desk):
    client = Client()
    client.force_login(front_desk)
    before = table_row_counts()
    response = client.post(
        "/crm/new/",
        {
            "name": "Anil\x00",
            "phone": "98450 66666",
            "source": "phone",
            "requirement": "AMC",
            "status": "new",
        },
    )
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert changed_tables(before, table_row_counts()) == {}


def test_a_payment_form_that_lost_its_key_says_so_and_can_be_sent_again(
    login, front_desk, in_repair
):
    client = login(front_desk)
    url = f"/bills/device/{in_repair.pk}/payment"
    response = client.post(url, {"amount": "100", "mode": "cash", "idempotency_key": "garbled"})
    assert response.status_code == 200
    assert "out of date" in response.content.decode()
    new_key = response.context["payment_form"]["idempotency_key"].value()
    assert uuid.UUID(new_key)
    again = client.post(url, {"amount": "100", "mode": "cash", "idempotency_key": new_key})
    assert again.status_code == 302
    assert Payment.objects.filter(device=in_repair, amount=Decimal("100.00")).count() == 1


def test_a_payment_reference_with_a_nul_byte_is_shown_as_a_field_error(
    login, front_desk, in_repair
):
    response = login(front_desk).post(
        f"/bills/device/{in_repair.pk}/payment",
        {"amount": "100", "mode": "cash", "reference": "UPI\x00", "idempotency_key": uuid.uuid4()},
    )
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()


def test_a_username_longer_than_any_account_is_refused_by_the_login_form(front_desk):
    before = table_row_counts()
    response = Client().post("/login", {"username": "A" * 300, "password": "x"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert changed_tables(before, table_row_counts()) == {}
