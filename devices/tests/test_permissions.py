"""SPEC §5 for every route of the repair job × every persona (pretix's test_permissions)."""

import pytest
from django.conf import settings
from django.urls import reverse

from devices.models import DevicePhoto, DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory, SparePartFactory
from devices.tests.helpers import image_upload

PERSONAS = ["anonymous", "front_desk", "technician", "other_technician", "manager", "owner"]
EVERYONE = {p: 200 for p in PERSONAS if p != "anonymous"}
MANAGERS_ONLY = {**EVERYONE, "front_desk": 403, "technician": 403, "other_technician": 403}

GET_ROUTES = {
    "/add_device": EVERYONE,
    "/devices/": EVERYONE,
    "/devices/{device}/slip/": EVERYONE,
    "/service/{device}": EVERYONE,
    "/device_assign": MANAGERS_ONLY,
    "/device_time_overlap": EVERYONE,
    "/customers/": EVERYONE,
    "/customers/{customer}/": EVERYONE,
    "/customers/lookup/?whatsapp_number=9845012345": EVERYONE,
    "/devices/photos/{photo}/": EVERYONE,
}

# The assigned technician is ``technician``; ``other_technician`` is a colleague.
EDITORS = {
    "front_desk": 403,
    "technician": "ok",
    "other_technician": 403,
    "manager": "ok",
    "owner": "ok",
}
POST_ROUTES = {
    "service": EDITORS,
    "part_add": EDITORS,
    "part_delete": EDITORS,
    "part_change": EDITORS,
    "photos_add": EDITORS,
    "assign": {
        **{k: 403 for k in ("front_desk", "technician", "other_technician")},
        "manager": "ok",
        "owner": "ok",
    },
    "overdue": {
        **{k: 403 for k in ("front_desk", "technician", "other_technician")},
        "manager": "ok",
        "owner": "ok",
    },
}


@pytest.fixture
def world(technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device)
    photo = DevicePhoto.objects.create(device=device, image=image_upload(), uploaded_by=technician)
    return {"device": device.pk, "customer": device.customer_id, "photo": photo.pk, "obj": device}


def client_of(persona, request, client_for, anonymous):
    if persona == "anonymous":
        return anonymous
    return client_for(request.getfixturevalue(persona))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", list(GET_ROUTES))
def test_repair_job_pages_open_for_the_roles_allowed(
    route, persona, request, client_for, anonymous, world
):
    client = client_of(persona, request, client_for, anonymous)
    response = client.get(route.format(**world))
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    else:
        assert response.status_code == GET_ROUTES[route][persona]


def post_request(name, world, technician, other_technician):
    device = world["obj"]
    pk = device.pk
    if name == "service":
        return f"/service/{pk}", {"diagnosis": "x", "work_done": "y", "labour_charge": "10"}
    if name == "part_add":
        return f"/service/{pk}/parts/", {"name": "Fan", "quantity": 1, "unit_cost": "250"}
    if name == "part_delete":
        part = SparePartFactory(service=device.service)
        return f"/service/{pk}/parts/{part.pk}/delete/", {}
    if name == "part_change":
        part = SparePartFactory(service=device.service, quantity=1)
        data = {"change-name": part.name, "change-quantity": "2", "change-unit_cost": "90"}
        return f"/service/{pk}/parts/{part.pk}/change/", data
    if name == "photos_add":
        return f"/service/{pk}/photos/", {"photos": [image_upload()]}
    if name == "assign":
        waiting = DeviceFactory()
        return "/device_assign", {"device": waiting.pk, "technician": technician.pk}
    if name == "overdue":
        import datetime

        from django.utils import timezone

        late = DeviceFactory(
            expected_delivery_date=timezone.localdate() - datetime.timedelta(days=1)
        )
        return "/device_time_overlap", {
            "device": late.pk,
            f"d{late.pk}-technician": other_technician.pk,
            f"d{late.pk}-expected_delivery_date": timezone.localdate().isoformat(),
            f"d{late.pk}-reason": "chasing",
        }
    raise AssertionError(name)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(POST_ROUTES))
def test_repair_job_actions_work_only_for_the_roles_allowed(
    name, persona, request, client_for, anonymous, world, technician, other_technician
):
    from devices.models import DeviceEvent

    url, data = post_request(name, world, technician, other_technician)
    events_before = DeviceEvent.objects.count()
    response = client_of(persona, request, client_for, anonymous).post(url, data)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
        assert DeviceEvent.objects.count() == events_before
        return
    expected = POST_ROUTES[name][persona]
    if expected == 403:
        assert response.status_code == 403
        assert DeviceEvent.objects.count() == events_before  # never a silent success
    else:
        assert response.status_code == 302  # done, back to the page with a message
        assert DeviceEvent.objects.count() > events_before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/add_device", "/service/{device}", "/device_assign", "/device_time_overlap"],
)
def test_post_without_csrf_token_is_refused(url, manager, world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(url.format(**world), {}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/devices/", "/devices/{device}/slip/", "/customers/", "/customers/lookup/"]
)
def test_read_only_pages_refuse_post(url, manager, client_for, world):
    assert client_for(manager).post(url.format(**world), {}).status_code == 405
