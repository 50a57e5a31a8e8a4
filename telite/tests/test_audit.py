"""The audit trail (django-simple-history): who changed a customer, a device, a bill or a
payment, when and what, kept for every change made through the pages and shown in the
back office; old versions can be looked at but never written back from there."""

import uuid
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from billing import services as billing
from billing.models import Bill, Payment
from crm.models import Lead
from crm.tests.factories import LeadFactory
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from devices.models import Device, DeviceStatus, Service, SparePart
from devices.tests.factories import DeviceFactory, ServiceFactory
from devices.tests.helpers import intake_data
from telite.admin_history import GuardedHistoryAdmin

pytestmark = pytest.mark.django_db


def history_page(client, obj):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_every_audited_model_in_the_back_office_shows_its_history_read_only():
    audited = {
        model._meta.label
        for model in admin.site._registry
        if hasattr(model._meta, "simple_history_manager_attribute")
    }
    assert {
        "customers.Customer",
        "devices.Device",
        "devices.Service",
        "billing.Bill",
        "billing.Payment",
        "billing.ShopSettings",
        "crm.Lead",
    } <= audited
    for model, model_admin in admin.site._registry.items():
        if model._meta.label in audited:
            assert isinstance(model_admin, GuardedHistoryAdmin), model._meta.label
    # Spare parts are audited too; they have no back-office page of their own (they are
    # added and removed on the service, each change also on the device's timeline).
    assert hasattr(SparePart, "history")


def test_customer_details_filled_in_at_intake_are_recorded_with_the_clerk(
    client_for, front_desk, owner
):
    customer = CustomerFactory(whatsapp_number="+919845012345", location="")
    response = client_for(front_desk).post(
        "/add_device", intake_data(whatsapp_number="98450 12345", location="Basavanagudi")
    )
    assert response.status_code == 302
    record = customer.history.latest()
    assert record.history_user == front_desk
    assert record.location == "Basavanagudi"
    html = history_page(client_for(owner), customer)
    assert str(front_desk) in html
    assert "Basavanagudi" in html


def test_a_customer_corrected_in_the_back_office_is_recorded_with_the_manager(
    client_for, manager, owner
):
    customer = CustomerFactory(name="Jon Do", whatsapp_number="+919845012345")
    response = client_for(manager).post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        {
            "name": "John Doe",
            "whatsapp_number": "98450 12345",
            "location": "Jayanagar",
            "email": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert customer.history.latest().history_user == manager
    html = history_page(client_for(owner), customer)
    assert str(manager) in html and "John Doe" in html


def test_a_service_edit_and_an_assignment_are_recorded_with_who_did_them(
    client_for, technician, manager, owner
):
    device = DeviceFactory()
    ServiceFactory(device=device)
    response = client_for(manager).post(
        "/device_assign", {"device": device.pk, "technician": technician.pk}
    )
    assert response.status_code == 302
    response = client_for(technician).post(
        f"/service/{device.pk}",
        {"diagnosis": "Dead power IC", "work_done": "Replaced IC", "labour_charge": "650"},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.history.latest().history_user == manager
    assert device.history.latest().status == DeviceStatus.ASSIGNED
    service = Service.objects.get(device=device)
    assert service.history.latest().history_user == technician
    admin_client = client_for(owner)
    assert str(manager) in history_page(admin_client, device)
    html = history_page(admin_client, service)
    assert str(technician) in html and "Dead power IC" in html and "650" in html


@pytest.fixture
def billed(technician, front_desk):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device, labour_charge=Decimal("1000.00"))
    bill = billing.bill_close(device=device, by=technician)
    device.refresh_from_db()
    return device, bill


def test_a_payment_and_a_bill_correction_are_recorded_with_who_made_them(
    client_for, front_desk, manager, owner, billed
):
    device, bill = billed
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        {"amount": "400", "mode": "upi", "reference": "UPI-1", "idempotency_key": uuid.uuid4()},
    )
    assert response.status_code == 302
    payment = Payment.objects.get(device=device)
    assert payment.history.get().history_user == front_desk
    bill.refresh_from_db()
    response = client_for(manager).post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {
            "version": bill.version,
            "discount": "100",
            "notes": "",
            "reason": "Goodwill discount agreed by owner",
        },
    )
    assert response.status_code == 302
    latest = bill.history.latest()
    assert latest.history_user == manager
    assert latest.discount == Decimal("100.00")
    admin_client = client_for(owner)
    assert str(front_desk) in history_page(admin_client, payment)
    html = history_page(admin_client, bill)
    assert str(manager) in html and "100.00" in html


# --- old versions cannot be written back ----------------------------------------------------


def _customer(world):
    customer = CustomerFactory(name="First Name", whatsapp_number="+919845012345")
    customer.name = "Second Name"
    customer.save()
    return customer, "name"


def _device(world):
    device = DeviceFactory(model="First model")
    device.model = "Second model"
    device.save()
    return device, "model"


def _service(world):
    service = ServiceFactory(diagnosis="First", device=DeviceFactory())
    service.diagnosis = "Second"
    service.save()
    return service, "diagnosis"


def _lead(world):
    lead = LeadFactory(name="First Name")
    lead.name = "Second Name"
    lead.save()
    return lead, "name"


def _bill(world):
    device, bill, manager = world
    billing.bill_correct(bill=bill, by=manager, reason="Goodwill", discount="300")
    return Bill.objects.get(pk=bill.pk), "discount"


def _payment(world):
    device, bill, manager = world
    payment = billing.payment_record(device=device, amount="100", mode="cash", by=bill.issued_by)
    payment.reference = "Second"
    payment.save()
    return payment, "reference"


REVERTABLE = {
    "customer": _customer,
    "device": _device,
    "service": _service,
    "lead": _lead,
    "bill": _bill,
    "payment": _payment,
}


def old_version_as_posted(obj, version, user) -> dict:
    """What the history page's form sends for ``version``: the old values, as typed."""
    model_admin = admin.site._registry[type(obj)]
    request = RequestFactory().get("/")
    request.user = user
    form = model_admin.get_form(request, obj)(instance=version.instance)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else str(value)
    return data


@pytest.mark.parametrize("who", ["manager", "owner"])
@pytest.mark.parametrize("kind", sorted(REVERTABLE))
def test_posting_an_old_version_from_the_history_page_changes_nothing(
    kind, who, request, client_for, billed
):
    obj, field = REVERTABLE[kind]((*billed, request.getfixturevalue("manager")))
    model = type(obj)
    first = obj.history.earliest()
    user = request.getfixturevalue(who)
    old_form = old_version_as_posted(obj, first, user)
    opts = model._meta
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, first.history_id],
    )
    client = client_for(user)
    before_value = getattr(model.objects.get(pk=obj.pk), field)
    before_versions = obj.history.count()
    page = client.get(url)
    assert page.status_code == 200  # the old version can be looked at
    assert 'name="_save"' not in page.content.decode()  # with no button to put it back
    response = client.post(url, old_form)
    assert response.status_code == 403
    assert getattr(model.objects.get(pk=obj.pk), field) == before_value
    assert obj.history.count() == before_versions


def test_the_owner_may_still_put_back_an_earlier_version_of_the_shop_settings(client_for, owner):
    from billing.models import ShopSettings

    shop = ShopSettings.load()
    shop.shop_name = "Second name"
    shop.save()
    first = shop.history.earliest()
    url = reverse("admin:billing_shopsettings_simple_history", args=[1, first.history_id])
    page = client_for(owner).get(url)
    assert page.status_code == 200
    assert 'name="_save"' in page.content.decode()


def test_history_models_exist_for_the_audited_records():
    for model in (Customer, Device, Service, Bill, Payment, Lead):
        assert hasattr(model, "history"), model


@pytest.mark.parametrize(
    "path",
    [
        "/admin/billing/bill/?issued_at__year=99999999999",
        "/admin/devices/device/?received_at__year=99999999999",
        "/admin/customers/customer/?created_at__year=99999999999&created_at__month=1",
        "/admin/crm/lead/?created_at__year=99999999999",
        "/admin/crm/leadnote/?at__year=99999999999",
        "/admin/billing/payment/?received_at__year=-1",
        "/admin/billing/refund/?refunded_at__year=-1",
        "/admin/billing/refund/?refunded_at__year=9999999999999999999999999",
        "/admin/devices/service/?updated_at__year=-1",
        "/admin/devices/device/?technician=zzz",
    ],
)
def test_an_impossible_year_in_a_back_office_list_is_a_bad_filter_not_a_crash(
    client_for, owner, technician, path
):
    # (A technician exists, so the device list offers its technician filter.)
    response = client_for(owner).get(path)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/devices/device/?status=%00",
        "/admin/billing/payment/?mode=%00",
        "/admin/crm/lead/?source=x%00y",
        "/admin/devices/device/?q%00=1",
    ],
)
def test_a_nul_character_in_a_back_office_filter_is_a_bad_request_not_a_crash(
    client_for, owner, path
):
    # PostgreSQL refuses NUL in a string with an error: it was a 500 there.
    assert client_for(owner).get(path).status_code == 400


def test_a_history_version_that_is_not_a_number_is_not_found(client_for, owner):
    from billing.models import ShopSettings

    ShopSettings.load()  # the row, created on first use
    client = client_for(owner)
    assert client.get("/admin/billing/shopsettings/1/history/abc/").status_code == 404
    assert client.get("/admin/billing/shopsettings/x/history/1/").status_code == 404
