"""SPEC §5 in the pages themselves: each role sees the links, buttons and private details
that are theirs and no others (the routes behind them are refused as well: test_permissions)."""

import pytest
from django.urls import reverse

from billing import services as billing
from devices.models import DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory

pytestmark = pytest.mark.django_db

ROLES = ["front_desk", "technician", "other_technician", "manager", "owner"]
MANAGERS = {"manager", "owner"}


def _page(client_for, request, who, url):
    return client_for(request.getfixturevalue(who)).get(url).text


@pytest.mark.parametrize("who", ROLES)
def test_the_menu_offers_each_role_only_its_own_tools(client_for, request, who):
    html = _page(client_for, request, who, reverse("dashboard"))
    links = {
        "Back office": f'href="{reverse("admin:index")}"',
        "Assign": f'href="{reverse("devices:device_assign")}"',
        "Users": f'href="{reverse("accounts:user_list")}"',
        "Register a user": f'href="{reverse("accounts:register")}"',
        "Shop settings": f'href="{reverse("admin:billing_shopsettings_changelist")}"',
    }
    shown = {name for name, href in links.items() if href in html}
    if who == "owner":
        assert shown == set(links)
    elif who == "manager":
        assert shown == {"Back office", "Assign"}
    else:
        assert shown == set()


@pytest.mark.parametrize("who", ROLES)
def test_only_managers_see_change_bill_on_the_bill_page(client_for, request, who, technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device, labour_charge=500)
    bill = billing.bill_close(device=device, by=technician)
    html = _page(client_for, request, who, reverse("billing:print_bill", args=[device.pk]))
    assert (reverse("billing:correct_bill", args=[bill.pk]) in html) == (who in MANAGERS)


@pytest.mark.parametrize("who", ROLES)
def test_the_customers_login_note_is_shown_only_to_who_works_on_the_device(
    client_for, request, who, technician
):
    device = DeviceFactory(
        status=DeviceStatus.ASSIGNED, assigned_to=technician, password_note="PIN 4471"
    )
    ServiceFactory(device=device)
    html = _page(client_for, request, who, reverse("devices:service", args=[device.pk]))
    # The assigned technician and managers need it to work; the counter and colleagues do not.
    assert ("PIN 4471" in html) == (who in {"technician", "manager", "owner"})
