"""SPEC §5 for every route of the app and every back-office list, as every kind of person.

The routes are read from the URL resolver, so a route added without an entry in ``ROUTES``
fails ``test_every_route_has_an_expectation``: whoever adds it decides, here, who may use it.

Personas: anonymous, front desk (staff, not a technician), the technician the device is
assigned to, another technician, a manager, the owner (admin) and a deactivated manager
(logged in before being switched off: treated as logged out). Expected: anonymous and
deactivated -> the login page; a forbidden role -> 403; allowed -> 200/302 (a GET to a
POST-only route redirects to the page its form is on); never a 500 (the test client raises it). Every POST action is sent
with valid data: where the role is allowed the write happens, where it is refused nothing
at all is written (every table's row count is compared).
"""

import datetime
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.factories import PASSWORD, UserFactory
from billing import services as billing
from billing.models import Bill, BillChange, Payment, Refund, ShopSettings
from crm import services as crm
from crm.models import Lead, LeadNote
from crm.tests.factories import LeadFactory
from customers.tests.factories import CustomerFactory
from devices.models import Device, DevicePhoto, DeviceStatus, SparePart
from devices.tests.factories import DeviceFactory, ServiceFactory, SparePartFactory
from devices.tests.helpers import image_upload, intake_data
from telite.tests.rows import table_row_counts

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to /login?next=…
ADMIN_LOGIN = "admin-login"  # Django admin's own refusal: its login page, "not authorized"
OK = "ok"  # allowed: 200 or 302, and a POST's write happened

ACTIVE = ["front_desk", "technician", "other_technician", "manager", "owner"]
PERSONAS = ["anonymous", *ACTIVE, "deactivated"]
LOGGED_OUT = {"anonymous": LOGIN, "deactivated": LOGIN}
MANAGER_ROLES = {"manager", "owner"}
# The technician the world's devices are assigned to, and the roles above staff.
EDITOR_ROLES = {"technician", "manager", "owner"}


def everyone(code=200) -> dict:
    return {**LOGGED_OUT, **{p: code for p in ACTIVE}}


def only(allowed: set, code=200) -> dict:
    return {**LOGGED_OUT, **{p: code if p in allowed else 403 for p in ACTIVE}}


STAFF_GET = everyone(200)
MANAGERS_GET = only(MANAGER_ROLES)
ADMINS_GET = only({"owner"})
# A POST-only action opened as a page goes to the page its form is on (telite.permissions.post_only).
POST_ONLY = everyone(302)


# --- the world each test runs in (built lazily: a test makes only what its route uses) ---


class World:
    def __init__(self, users):
        self.users = users

    @property
    def tech(self):
        return self.users["technician"]

    @cached_property
    def customer(self):
        return CustomerFactory(name="John Doe", whatsapp_number="+919845012345")

    @cached_property
    def assigned(self) -> Device:
        """In repair with ``technician``, overdue, with labour, a spare part and a photo."""
        device = DeviceFactory(
            customer=self.customer,
            status=DeviceStatus.ASSIGNED,
            assigned_to=self.tech,
            added_by=self.users["front_desk"],
            expected_delivery_date=timezone.localdate() - datetime.timedelta(days=1),
        )
        service = ServiceFactory(device=device, labour_charge=Decimal("500.00"))
        SparePartFactory(service=service, name="Power IC", unit_cost=Decimal("500.00"))
        return device

    @cached_property
    def part(self) -> SparePart:
        return self.assigned.service.parts.get()

    @cached_property
    def photo(self) -> DevicePhoto:
        return DevicePhoto.objects.create(
            device=self.assigned, image=image_upload(), uploaded_by=self.tech
        )

    @cached_property
    def shop_logo_url(self) -> str:
        ShopSettings.load().logo.save("logo.png", image_upload(name="logo.png", fmt="PNG"))
        return reverse("billing:shop_logo")

    @cached_property
    def waiting(self) -> Device:
        """Taken in, nobody assigned yet."""
        return DeviceFactory(customer=self.customer, added_by=self.users["front_desk"])

    @cached_property
    def ready(self) -> Device:
        """Repaired, billed ₹1,000 and paid in full: waiting for delivery."""
        device = DeviceFactory(
            customer=self.customer,
            status=DeviceStatus.ASSIGNED,
            assigned_to=self.tech,
            added_by=self.users["front_desk"],
        )
        ServiceFactory(device=device, labour_charge=Decimal("1000.00"))
        billing.payment_record(
            device=device, amount="1000", mode="upi", by=self.users["front_desk"]
        )
        billing.bill_close(device=device, by=self.tech)
        device.refresh_from_db()
        return device

    @cached_property
    def bill(self) -> Bill:
        return Bill.objects.get(device=self.ready)

    @cached_property
    def payment(self) -> Payment:
        return Payment.objects.get(device=self.ready)

    @cached_property
    def refund(self) -> Refund:
        return Refund.objects.create(
            device=self.ready,
            bill=self.bill,
            amount=Decimal("50.00"),
            reason="Advance above the bill",
            refunded_by=self.users["front_desk"],
        )

    @cached_property
    def lead(self) -> Lead:
        return LeadFactory(created_by=self.users["front_desk"], phone="+919845055555")

    @cached_property
    def lead_note(self) -> LeadNote:
        return crm.lead_add_note(lead=self.lead, by=self.users["front_desk"], text="Called")

    @cached_property
    def colleague(self) -> User:
        """Someone whose role the owner changes."""
        return UserFactory(username="colleague", role=Role.STAFF)


@pytest.fixture
def deactivated(db):
    return UserFactory(username="gone", role=Role.MANAGER, first_name="Suresh")


class Personas(dict):
    """The persona fixtures, made when a test first asks for one (most need two or three)."""

    def __init__(self, request):
        super().__init__()
        self.request = request

    def __missing__(self, name):
        self[name] = self.request.getfixturevalue(name)
        return self[name]


@pytest.fixture
def users(request):
    return Personas(request)


@pytest.fixture
def world(users):
    # The shop's settings row is made on the first page view; make it now, so that it is
    # not counted as a row written by the request under test.
    ShopSettings.load()
    return World(users)


def client_as(persona: str, users) -> Client:
    client = Client()
    if persona == "anonymous":
        return client
    user = users[persona]
    client.force_login(user)
    if persona == "deactivated":
        # Switched off by the owner while still logged in on the counter PC.
        User.objects.filter(pk=user.pk).update(is_active=False)
    return client


def check_status(response, expected, persona, path):
    code = response.status_code
    where = f"{persona} {response.request['REQUEST_METHOD']} {path}"
    if expected == LOGIN:
        assert code == 302, where
        assert response["Location"].split("?")[0] == reverse("accounts:login"), where
    elif expected == ADMIN_LOGIN:
        assert code == 302, where
        assert response["Location"].split("?")[0] == reverse("admin:login"), where
    elif expected == OK:
        assert code in (200, 302), where
    else:
        assert code == expected, where


# --- every route of the app --------------------------------------------------------------


def app_routes() -> list[str]:
    """Every named route outside the Django admin, as ``namespace:name``."""
    found = []

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                inner = pattern.namespace
                walk(
                    pattern.url_patterns,
                    f"{namespace}:{inner}" if namespace and inner else inner or namespace,
                )
            else:
                assert pattern.name, f"unnamed route {pattern.pattern}: name it"
                found.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return sorted(found)


@dataclass(frozen=True)
class Post:
    """A POST with valid data: ``make(world)`` -> (url, data); ``effect(world)`` reads
    what the action changes; ``expected`` per persona (OK: the effect must change)."""

    make: object
    effect: object
    expected: dict


@dataclass(frozen=True)
class Route:
    url: object  # world -> path
    get: dict
    post: Post | None = None


def _fresh(obj, field):
    return type(obj).objects.filter(pk=obj.pk).values_list(field, flat=True).get()


def _intake(w):
    return reverse("devices:add_device"), intake_data(whatsapp_number="98450 11111")


def _lead_data(w):
    return {
        "name": "Anil Kumar",
        "phone": "98450 66666",
        "email": "",
        "source": "phone",
        "requirement": "AMC for 10 desktops",
        "estimated_value": "25000",
        "status": "new",
        "owner": "",
        "follow_up_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        "note": "",
    }


def _reassign(w):
    pk = w.assigned.pk
    return reverse("devices:overdue"), {
        "device": pk,
        f"d{pk}-technician": w.users["other_technician"].pk,
        f"d{pk}-expected_delivery_date": (
            timezone.localdate() + datetime.timedelta(days=1)
        ).isoformat(),
        f"d{pk}-reason": "Arun on leave",
    }


def _register(w):
    return reverse("accounts:register"), {
        "username": "newclerk",
        "first_name": "Lakshmi",
        "last_name": "Rao",
        "phone_number": "98450 77777",
        "role": "staff",
        "password1": "Counter-pass-2026!",
        "password2": "Counter-pass-2026!",
    }


def _user_update(w):
    pk = w.colleague.pk
    return reverse("accounts:user_update", args=[pk]), {
        f"u{pk}-role": "staff",
        f"u{pk}-is_technician": "on",
        f"u{pk}-is_active": "on",
    }


STAFF_WRITE = only(set(ACTIVE), OK)
MANAGERS_WRITE = only(MANAGER_ROLES, OK)
EDITORS_WRITE = only(EDITOR_ROLES, OK)

LEAD_CREATE = Post(
    make=lambda w: (reverse("crm:lead_create"), _lead_data(w)),
    effect=lambda w: Lead.objects.count(),
    expected=STAFF_WRITE,
)

ROUTES: dict[str, Route] = {
    "home": Route(lambda w: "/", get={p: 302 for p in PERSONAS}),
    "healthz": Route(lambda w: "/healthz", get={p: 200 for p in PERSONAS}),
    "dashboard": Route(lambda w: "/dashboard", STAFF_GET),
    # Accounts. Login and logout are checked by their own tests below.
    "accounts:login": Route(
        lambda w: "/login", {"anonymous": 200, "deactivated": 200, **{p: 302 for p in ACTIVE}}
    ),
    "accounts:logout": Route(lambda w: "/logout", STAFF_GET),
    "accounts:register": Route(
        lambda w: "/register",
        ADMINS_GET,
        Post(_register, lambda w: User.objects.count(), only({"owner"}, OK)),
    ),
    "accounts:password_change": Route(
        lambda w: "/password",
        STAFF_GET,
        Post(
            lambda w: (
                "/password",
                {
                    "old_password": PASSWORD,
                    "new_password1": "Fresh-counter-pass-2026!",
                    "new_password2": "Fresh-counter-pass-2026!",
                },
            ),
            # Each persona changes its own password: some user's hash changes.
            lambda w: tuple(User.objects.order_by("pk").values_list("password", flat=True)),
            everyone(OK),
        ),
    ),
    "accounts:user_list": Route(lambda w: reverse("accounts:user_list"), ADMINS_GET),
    "accounts:user_update": Route(
        lambda w: reverse("accounts:user_update", args=[w.colleague.pk]),
        only({"owner"}, 302),
        Post(_user_update, lambda w: _fresh(w.colleague, "is_technician"), only({"owner"}, OK)),
    ),
    # Customers.
    "customers:customer_list": Route(lambda w: reverse("customers:customer_list"), STAFF_GET),
    "customers:lookup": Route(
        lambda w: reverse("customers:lookup") + "?whatsapp_number=98450%2012345", STAFF_GET
    ),
    "customers:customer_detail": Route(
        lambda w: reverse("customers:customer_detail", args=[w.customer.pk]), STAFF_GET
    ),
    # The repair job.
    "devices:add_device": Route(
        lambda w: "/add_device",
        STAFF_GET,
        Post(_intake, lambda w: Device.objects.count(), STAFF_WRITE),
    ),
    "devices:device_assign": Route(
        lambda w: "/device_assign",
        MANAGERS_GET,
        Post(
            lambda w: (
                "/device_assign",
                {"device": w.waiting.pk, "technician": w.tech.pk},
            ),
            lambda w: _fresh(w.waiting, "status"),
            MANAGERS_WRITE,
        ),
    ),
    "devices:service": Route(
        lambda w: f"/service/{w.assigned.pk}",
        STAFF_GET,
        Post(
            lambda w: (
                f"/service/{w.assigned.pk}",
                {"diagnosis": "Dead power IC", "work_done": "Replaced IC", "labour_charge": "650"},
            ),
            lambda w: _fresh(w.assigned.service, "diagnosis"),
            EDITORS_WRITE,
        ),
    ),
    "devices:part_add": Route(
        lambda w: reverse("devices:part_add", args=[w.assigned.pk]),
        POST_ONLY,
        Post(
            lambda w: (
                reverse("devices:part_add", args=[w.assigned.pk]),
                {"name": "CPU fan", "quantity": "2", "unit_cost": "250"},
            ),
            lambda w: SparePart.objects.filter(service__device=w.assigned).count(),
            EDITORS_WRITE,
        ),
    ),
    "devices:part_delete": Route(
        lambda w: reverse("devices:part_delete", args=[w.assigned.pk, w.part.pk]),
        POST_ONLY,
        Post(
            lambda w: (reverse("devices:part_delete", args=[w.assigned.pk, w.part.pk]), {}),
            lambda w: SparePart.objects.filter(service__device=w.assigned).count(),
            EDITORS_WRITE,
        ),
    ),
    "devices:part_change": Route(
        lambda w: reverse("devices:part_change", args=[w.assigned.pk, w.part.pk]),
        # Without htmx, GET sends an editor to the service page with the row open.
        only(EDITOR_ROLES, 302),
        Post(
            lambda w: (
                reverse("devices:part_change", args=[w.assigned.pk, w.part.pk]),
                {"change-name": "CPU fan", "change-quantity": "3", "change-unit_cost": "275"},
            ),
            lambda w: tuple(
                SparePart.objects.filter(service__device=w.assigned).values_list(
                    "quantity", "unit_cost"
                )
            ),
            EDITORS_WRITE,
        ),
    ),
    "devices:photos_add": Route(
        lambda w: reverse("devices:photos_add", args=[w.assigned.pk]),
        POST_ONLY,
        Post(
            lambda w: (
                reverse("devices:photos_add", args=[w.assigned.pk]),
                {"photos": [image_upload()]},
            ),
            lambda w: DevicePhoto.objects.filter(device=w.assigned).count(),
            EDITORS_WRITE,
        ),
    ),
    "devices:reassign": Route(
        lambda w: reverse("devices:reassign", args=[w.assigned.pk]),
        only(MANAGER_ROLES, 302),
        Post(
            lambda w: (
                reverse("devices:reassign", args=[w.assigned.pk]),
                {
                    "technician": w.users["other_technician"].pk,
                    "expected_delivery_date": (
                        timezone.localdate() + datetime.timedelta(days=3)
                    ).isoformat(),
                    "reason": "Arun on leave",
                },
            ),
            lambda w: _fresh(w.assigned, "assigned_to_id"),
            MANAGERS_WRITE,
        ),
    ),
    "devices:overdue": Route(
        lambda w: f"/device_time_overlap?x={w.assigned.pk}",
        STAFF_GET,
        Post(_reassign, lambda w: _fresh(w.assigned, "assigned_to_id"), MANAGERS_WRITE),
    ),
    "devices:device_list": Route(lambda w: reverse("devices:device_list"), STAFF_GET),
    "devices:slip": Route(lambda w: reverse("devices:slip", args=[w.assigned.pk]), STAFF_GET),
    "devices:tell_customer": Route(
        lambda w: reverse("devices:tell_customer", args=[w.ready.pk, "ready_to_collect"]),
        POST_ONLY,
        Post(
            lambda w: (
                reverse("devices:tell_customer", args=[w.ready.pk, "ready_to_collect"]),
                {},
            ),
            lambda w: w.ready.events.filter(kind="messaged").count(),
            STAFF_WRITE,
        ),
    ),
    "devices:photo": Route(lambda w: reverse("devices:photo", args=[w.photo.pk]), STAFF_GET),
    # Billing.
    "billing:close_device": Route(
        lambda w: "/close_device",
        POST_ONLY,
        Post(
            lambda w: (
                "/close_device",
                {"device": w.assigned.pk, "discount": "", "refund_mode": "cash"},
            ),
            lambda w: _fresh(w.assigned, "status"),
            STAFF_WRITE,
        ),
    ),
    "billing:delivery_ready": Route(lambda w: "/delivery_ready", STAFF_GET),
    "billing:closed_devices": Route(lambda w: "/closed_devices", STAFF_GET),
    "billing:print_bill": Route(lambda w: f"/print_bill/{w.ready.pk}", STAFF_GET),
    "billing:bill_pdf": Route(lambda w: f"/print_bill/{w.ready.pk}/pdf", STAFF_GET),
    "billing:payment_list": Route(lambda w: reverse("billing:payment_list"), STAFF_GET),
    "billing:take_payment": Route(
        lambda w: reverse("billing:take_payment", args=[w.assigned.pk]),
        STAFF_GET,
        Post(
            lambda w: (
                reverse("billing:take_payment", args=[w.assigned.pk]),
                {
                    "amount": "300",
                    "mode": "cash",
                    "reference": "",
                    "idempotency_key": str(uuid.uuid4()),
                },
            ),
            lambda w: Payment.objects.filter(device=w.assigned).count(),
            STAFF_WRITE,
        ),
    ),
    "billing:reverse_payment": Route(
        lambda w: reverse("billing:reverse_payment", args=[w.payment.pk]),
        MANAGERS_GET,
        Post(
            lambda w: (
                reverse("billing:reverse_payment", args=[w.payment.pk]),
                {"reason": "Typed on the wrong job"},
            ),
            lambda w: Refund.objects.filter(reverses=w.payment).count(),
            only(MANAGER_ROLES, OK),
        ),
    ),
    "billing:deliver": Route(
        lambda w: reverse("billing:deliver", args=[w.ready.pk]),
        STAFF_GET,
        Post(
            lambda w: (reverse("billing:deliver", args=[w.ready.pk]), {"reason": ""}),
            lambda w: _fresh(w.ready, "status"),
            STAFF_WRITE,
        ),
    ),
    "billing:return_device": Route(
        lambda w: reverse("billing:return_device", args=[w.waiting.pk]),
        STAFF_GET,
        Post(
            lambda w: (
                reverse("billing:return_device", args=[w.waiting.pk]),
                {"reason": "Customer declined", "inspection_charge": "", "refund_mode": "cash"},
            ),
            lambda w: _fresh(w.waiting, "status"),
            STAFF_WRITE,
        ),
    ),
    "billing:reopen": Route(
        lambda w: reverse("billing:reopen", args=[w.ready.pk]),
        MANAGERS_GET,
        Post(
            lambda w: (
                reverse("billing:reopen", args=[w.ready.pk]),
                {"reason": "Fault came back"},
            ),
            lambda w: _fresh(w.ready, "status"),
            MANAGERS_WRITE,
        ),
    ),
    "billing:shop_logo": Route(lambda w: w.shop_logo_url, STAFF_GET),
    "billing:correct_bill": Route(
        lambda w: reverse("billing:correct_bill", args=[w.bill.pk]),
        MANAGERS_GET,
        Post(
            lambda w: (
                reverse("billing:correct_bill", args=[w.bill.pk]),
                {
                    "version": w.bill.version,
                    "discount": "0",
                    "notes": "",
                    "description": "Data backup",
                    "quantity": "1",
                    "unit_price": "200",
                    "reason": "Customer asked for a backup",
                },
            ),
            lambda w: BillChange.objects.filter(bill=w.bill).count(),
            MANAGERS_WRITE,
        ),
    ),
    # CRM.
    "crm:lead_list": Route(
        lambda w: reverse("crm:lead_list"),
        STAFF_GET,
        Post(
            lambda w: (reverse("crm:lead_list"), _lead_data(w)),
            lambda w: Lead.objects.count(),
            STAFF_WRITE,
        ),
    ),
    "crm:lead_create": Route(lambda w: reverse("crm:lead_create"), STAFF_GET, LEAD_CREATE),
    "crm:lead_metrics": Route(lambda w: reverse("crm:lead_metrics"), STAFF_GET),
    "crm:lead_detail": Route(lambda w: reverse("crm:lead_detail", args=[w.lead.pk]), STAFF_GET),
    "crm:lead_edit": Route(
        lambda w: reverse("crm:lead_edit", args=[w.lead.pk]),
        STAFF_GET,
        Post(
            lambda w: (
                reverse("crm:lead_edit", args=[w.lead.pk]),
                {**_lead_data(w), "name": "Renamed Lead", "phone": w.lead.phone},
            ),
            lambda w: _fresh(w.lead, "name"),
            STAFF_WRITE,
        ),
    ),
    "crm:lead_add_note": Route(
        lambda w: reverse("crm:lead_add_note", args=[w.lead.pk]),
        POST_ONLY,
        Post(
            lambda w: (reverse("crm:lead_add_note", args=[w.lead.pk]), {"text": "Sent a quote"}),
            lambda w: LeadNote.objects.filter(lead=w.lead).count(),
            STAFF_WRITE,
        ),
    ),
    "crm:lead_change_status": Route(
        lambda w: reverse("crm:lead_change_status", args=[w.lead.pk]),
        POST_ONLY,
        Post(
            lambda w: (
                reverse("crm:lead_change_status", args=[w.lead.pk]),
                {"status": "contacted", "follow_up_date": "", "note": "Called back"},
            ),
            lambda w: _fresh(w.lead, "status"),
            STAFF_WRITE,
        ),
    ),
    "crm:lead_convert": Route(
        lambda w: reverse("crm:lead_convert", args=[w.lead.pk]),
        POST_ONLY,
        Post(
            lambda w: (reverse("crm:lead_convert", args=[w.lead.pk]), {"location": "Jayanagar"}),
            lambda w: _fresh(w.lead, "customer_id"),
            STAFF_WRITE,
        ),
    ),
}

POST_ROUTES = sorted(name for name, route in ROUTES.items() if route.post)
GET_ONLY_ROUTES = sorted(
    name
    for name, route in ROUTES.items()
    if not route.post and name not in ("accounts:login", "accounts:logout")
)


def test_every_route_has_an_expectation():
    routes = set(app_routes())
    missing = routes - set(ROUTES)
    assert not missing, (
        f"new routes without an entry in ROUTES (decide who may use them): {missing}"
    )
    assert not set(ROUTES) - routes, "ROUTES names routes that no longer exist"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", app_routes())
def test_every_page_opens_only_for_the_roles_spec_5_allows(name, persona, users, world):
    assert name in ROUTES, f"{name}: add it to ROUTES"
    path = ROUTES[name].url(world)
    response = client_as(persona, users).get(path)
    check_status(response, ROUTES[name].get[persona], persona, path)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", POST_ROUTES)
def test_every_action_works_for_allowed_roles_and_changes_nothing_for_others(
    name, persona, users, world
):
    spec = ROUTES[name].post
    path, data = spec.make(world)
    client = client_as(persona, users)
    before = spec.effect(world)
    counts = table_row_counts()
    response = client.post(path, data)
    expected = spec.expected[persona]
    check_status(response, expected, persona, path)
    after = spec.effect(world)
    if expected == OK:
        errors = response.context and _form_errors(response.context)
        assert after != before, f"{persona} was allowed {name} but nothing changed: {errors}"
    else:
        assert after == before, f"{persona} was refused {name} but it happened"
        assert table_row_counts() == counts, f"{persona} was refused {name} but rows were written"


def _form_errors(context):
    for key in ("form", "close_form", "payment_form", "deliver_form", "return_form"):
        form = context.get(key)
        if form is not None and getattr(form, "errors", None):
            return form.errors
    return None


@pytest.mark.parametrize("name", GET_ONLY_ROUTES)
def test_post_to_a_read_only_route_writes_nothing(name, users, world):
    path = ROUTES[name].url(world)
    client = client_as("owner", users)
    counts = table_row_counts()
    response = client.post(path, {"status": "delivered", "amount": "1"})
    assert response.status_code in (200, 302, 405)
    assert table_row_counts() == counts


@pytest.mark.parametrize("name", POST_ROUTES)
def test_post_without_csrf_token_is_refused(name, users, world):
    path, data = ROUTES[name].post.make(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["owner"])
    counts = table_row_counts()
    response = client.post(path, data)
    assert response.status_code == 403
    assert table_row_counts() == counts


# --- logging in and out ------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_login_post(persona, users):
    client = client_as(persona, users)
    username = users["front_desk" if persona == "anonymous" else persona].username
    response = client.post("/login", {"username": username, "password": PASSWORD})
    if persona == "deactivated":
        assert response.status_code == 200  # the form again: a switched-off account
        assert "not correct" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard")
    follow = client.get("/dashboard")
    assert follow.status_code == (302 if persona == "deactivated" else 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_logout_post_logs_out(persona, users):
    client = client_as(persona, users)
    response = client.post("/logout")
    check_status(response, 302, persona, "/logout")
    assert response["Location"] == reverse("accounts:login")
    check_status(client.get("/dashboard"), LOGIN, persona, "/dashboard")


# --- the back office ---------------------------------------------------------------------

ADMIN_OBJECTS = {
    "auth.Group": lambda w: Group.objects.get(name=Role.STAFF),
    "axes.AccessAttempt": lambda w: apps.get_model("axes", "AccessAttempt").objects.create(
        username="desk", ip_address="127.0.0.1", user_agent="t", failures_since_start=1
    ),
    "axes.AccessLog": lambda w: apps.get_model("axes", "AccessLog").objects.create(
        username="desk", ip_address="127.0.0.1", user_agent="t"
    ),
    "axes.AccessFailureLog": lambda w: apps.get_model("axes", "AccessFailureLog").objects.create(
        username="desk", ip_address="127.0.0.1", user_agent="t"
    ),
    "accounts.User": lambda w: w.colleague,
    "customers.Customer": lambda w: w.customer,
    "devices.Device": lambda w: w.assigned,
    "devices.Service": lambda w: w.assigned.service,
    "billing.ShopSettings": lambda w: ShopSettings.load(),
    "billing.Bill": lambda w: w.bill,
    "billing.Payment": lambda w: w.payment,
    "billing.Refund": lambda w: w.refund,
    "crm.Lead": lambda w: w.lead,
    "crm.LeadNote": lambda w: w.lead_note,
}
# What a manager may see in the back office (accounts.roles); the owner sees everything.
MANAGER_APPS = {"customers", "devices", "billing", "crm"}


def admin_models() -> list[str]:
    return sorted(model._meta.label for model in admin.site._registry)


def test_every_admin_model_has_an_object_to_open():
    assert set(admin_models()) == set(ADMIN_OBJECTS)


def _admin_expected(label: str, persona: str, page: str):
    if persona in ("anonymous", "deactivated"):
        return ADMIN_LOGIN
    if persona in ("front_desk", "technician", "other_technician"):
        return 403  # logged in without back-office rights: the app's refusal (SPEC §5)
    if persona == "manager" and label.split(".")[0] not in MANAGER_APPS:
        return 403
    if label == "billing.ShopSettings" and page == "changelist":
        return 302  # one record: the list goes straight to it
    return 200


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", admin_models())
def test_back_office_pages_open_only_for_managers_and_the_owner(label, persona, users, world):
    model = apps.get_model(label)
    obj = ADMIN_OBJECTS[label](world)
    model_admin = admin.site._registry[model]
    info = (model._meta.app_label, model._meta.model_name)
    pages = {
        "changelist": reverse("admin:{}_{}_changelist".format(*info)),
        "change": reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
    }
    if hasattr(model_admin, "history_view"):
        pages["history"] = reverse("admin:{}_{}_history".format(*info), args=[obj.pk])
    client = client_as(persona, users)
    for page, path in pages.items():
        check_status(client.get(path), _admin_expected(label, persona, page), persona, path)


@pytest.mark.parametrize(
    "label", [label for label in ADMIN_OBJECTS if label.split(".")[0] in MANAGER_APPS]
)
def test_a_managers_back_office_pages_link_to_no_page_he_may_not_open(label, users, world):
    model = apps.get_model(label)
    obj = ADMIN_OBJECTS[label](world)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    user_link = r'href="(/admin/accounts/user/\d+/change/)"'
    manager = client_as("manager", users)
    page = manager.get(url)
    assert page.status_code == 200
    # Other records' pages (a person, a customer, a device), as the read-only fields link them.
    links = set(re.findall(r'href="(/admin/\w+/\w+/\d+/change/)"', page.content.decode()))
    refused = sorted(link for link in links if manager.get(link).status_code == 403)
    assert refused == []
    # The owner may open the users' pages: the names stay links for him.
    if label in ("devices.Device", "billing.Bill"):
        owner_page = client_as("owner", users).get(url).content.decode()
        assert re.findall(user_link, owner_page)
