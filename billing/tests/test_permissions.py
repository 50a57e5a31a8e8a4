"""SPEC §5 for every billing route × every persona (pretix's test_permissions style).

Not logged in -> the login page; a role that may not -> 403; an unknown device -> 404.
"""

import uuid

import pytest
from django.urls import reverse

from billing import services
from devices.models import DeviceStatus

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "manager", "technician", "front_desk", "anonymous"]
STAFF_OK = {"admin": True, "manager": True, "technician": True, "front_desk": True}
MANAGERS_OK = {"admin": True, "manager": True, "technician": False, "front_desk": False}


@pytest.fixture
def world(make_device, technician, front_desk):
    ready = make_device(labour="1000")
    services.payment_record(device=ready, amount="400", mode="cash", by=front_desk)
    bill = services.bill_close(device=ready, by=technician)
    return {"ready": ready, "bill": bill, "in_repair": make_device(labour="300")}


def _client(personas, client_for, anonymous, who):
    return anonymous if who == "anonymous" else client_for(personas[who])


# (name, method, url builder, data builder, allowed roles, status when allowed)
ROUTES = [
    ("delivery_ready", "get", lambda w: reverse("billing:delivery_ready"), None, STAFF_OK, 200),
    ("closed_devices", "get", lambda w: reverse("billing:closed_devices"), None, STAFF_OK, 200),
    ("payment_list", "get", lambda w: reverse("billing:payment_list"), None, STAFF_OK, 200),
    (
        "print_bill",
        "get",
        lambda w: reverse("billing:print_bill", args=[w["ready"].pk]),
        None,
        STAFF_OK,
        200,
    ),
    (
        "bill_pdf",
        "get",
        lambda w: reverse("billing:bill_pdf", args=[w["ready"].pk]),
        None,
        STAFF_OK,
        200,
    ),
    (
        "close_device",
        "post",
        lambda w: reverse("billing:close_device"),
        lambda w: {"device": w["in_repair"].pk},
        STAFF_OK,
        302,
    ),
    (
        "take_payment_form",
        "get",
        lambda w: reverse("billing:take_payment", args=[w["ready"].pk]),
        None,
        STAFF_OK,
        200,
    ),
    (
        "take_payment",
        "post",
        lambda w: reverse("billing:take_payment", args=[w["ready"].pk]),
        lambda w: {"amount": "100", "mode": "cash", "idempotency_key": str(uuid.uuid4())},
        STAFF_OK,
        302,
    ),
    (
        "deliver_form",
        "get",
        lambda w: reverse("billing:deliver", args=[w["ready"].pk]),
        None,
        STAFF_OK,
        200,
    ),
    (
        "return_form",
        "get",
        lambda w: reverse("billing:return_device", args=[w["in_repair"].pk]),
        None,
        STAFF_OK,
        200,
    ),
    (
        "return",
        "post",
        lambda w: reverse("billing:return_device", args=[w["in_repair"].pk]),
        lambda w: {"reason": "Declined", "inspection_charge": "", "refund_mode": "cash"},
        STAFF_OK,
        302,
    ),
    (
        "reopen_form",
        "get",
        lambda w: reverse("billing:reopen", args=[w["ready"].pk]),
        None,
        MANAGERS_OK,
        200,
    ),
    (
        "reopen",
        "post",
        lambda w: reverse("billing:reopen", args=[w["ready"].pk]),
        lambda w: {"reason": "Retest"},
        MANAGERS_OK,
        302,
    ),
    (
        "correct_form",
        "get",
        lambda w: reverse("billing:correct_bill", args=[w["bill"].pk]),
        None,
        MANAGERS_OK,
        200,
    ),
    (
        "correct",
        "post",
        lambda w: reverse("billing:correct_bill", args=[w["bill"].pk]),
        lambda w: {
            "discount": "10",
            "reason": "Goodwill",
            "quantity": "1",
            "version": w["bill"].version,
        },
        MANAGERS_OK,
        302,
    ),
]


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize(
    "name, method, url, data, allowed, ok_status", ROUTES, ids=[r[0] for r in ROUTES]
)
def test_billing_pages_and_actions_follow_the_role_rules(
    world, personas, client_for, anonymous, who, name, method, url, data, allowed, ok_status
):
    client = _client(personas, client_for, anonymous, who)
    response = getattr(client, method)(url(world), data(world) if data else None)
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif allowed[who]:
        assert response.status_code == ok_status, response.content[:500]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/print_bill/999999",
        "/print_bill/999999/pdf",
        "/bills/device/999999/payment",
        "/bills/device/999999/deliver",
        "/bills/device/999999/return",
        "/bills/device/999999/reopen",
        "/bills/999999/correct",
    ],
)
def test_unknown_objects_are_404_not_500(client_for, owner, url):
    assert client_for(owner).get(url).status_code == 404


def test_refused_moves_are_shown_not_500(world, client_for, owner):
    client = client_for(owner)
    ready = world["ready"]
    # Return a ready device, reopen one in repair, deliver one in repair: messages, not errors.
    assert (
        client.post(
            reverse("billing:return_device", args=[ready.pk]),
            {"reason": "x", "refund_mode": "cash"},
        ).status_code
        == 200
    )
    assert (
        client.post(
            reverse("billing:reopen", args=[world["in_repair"].pk]), {"reason": "x"}
        ).status_code
        == 200
    )
    assert (
        client.post(reverse("billing:deliver", args=[world["in_repair"].pk]), {}).status_code == 200
    )
    ready.refresh_from_db()
    assert ready.status == DeviceStatus.READY


@pytest.mark.parametrize(
    "url",
    [
        "/admin/billing/bill/",
        "/admin/billing/payment/",
        "/admin/billing/refund/",
    ],
)
@pytest.mark.parametrize("who, status", [("admin", 200), ("manager", 200), ("front_desk", 403)])
def test_back_office_lists_are_for_managers_and_admins(
    world, personas, client_for, url, who, status
):
    assert client_for(personas[who]).get(url).status_code == status
