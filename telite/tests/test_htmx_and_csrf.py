"""When an htmx action or a form meets a log-out or a stale token: a full page the person
can act on, never a fragment of the wrong page or Django's bare refusal."""

import pytest
from django.test import Client
from django.urls import reverse

from devices.models import DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_an_htmx_request_after_logout_reloads_the_window_at_the_login_page():
    device = DeviceFactory(status=DeviceStatus.RECEIVED)
    page = reverse("devices:service", args=[device.pk])
    response = Client().post(
        reverse("devices:part_add", args=[device.pk]),
        {"name": "RAM"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}?tab=parts"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == (
        reverse("accounts:login") + "?next=%2Fservice%2F" + str(device.pk) + "%3Ftab%3Dparts"
    )
    assert b"<form" not in response.content  # no login form to swap into the parts card


def test_a_plain_request_after_logout_still_gets_the_usual_redirect():
    device = DeviceFactory()
    response = Client().get(reverse("devices:service", args=[device.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert "HX-Redirect" not in response


def test_an_htmx_login_redirect_ignores_a_current_url_of_another_site():
    device = DeviceFactory()
    response = Client().get(
        reverse("devices:service", args=[device.pk]),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example//x"},
    )
    assert response["HX-Redirect"] == reverse("accounts:login")


def test_an_htmx_request_refused_for_the_role_stays_a_403(client_for, technician, other_technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device)
    response = client_for(other_technician).post(
        reverse("devices:part_add", args=[device.pk]),
        {"name": "RAM", "quantity": "1", "unit_cost": "10"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403  # telite.js shows it on the page


def test_a_form_with_a_stale_security_token_explains_what_to_do(front_desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(front_desk)
    response = client.post(reverse("devices:add_device"), {"csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    html = response.content.decode()
    assert "That form was out of date, so nothing was saved" in html
    assert "reload the page" in html
