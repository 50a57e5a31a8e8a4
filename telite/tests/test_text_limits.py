"""What people type is bounded where it is printed or kept: an issue of 100,000 characters
made a 16-page intake slip, a long bill note a 3-page bill, and a promise of 9999-12-31 was
taken. Each is refused next to its field, with what was typed kept and nothing saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from billing.models import Bill
from crm.models import Lead
from devices.models import Device, DeviceStatus, Service
from devices.tests.factories import DeviceFactory, ServiceFactory
from devices.tests.helpers import intake_data

pytestmark = pytest.mark.django_db


def _limit(model, field):
    return model._meta.get_field(field).max_length


def test_an_issue_longer_than_its_limit_is_refused_at_intake(client_for, front_desk):
    too_long = "x" * (_limit(Device, "issue_description") + 1)
    response = client_for(front_desk).post(
        reverse("devices:add_device"), intake_data(issue_description=too_long)
    )
    assert response.status_code == 200
    limit = _limit(Device, "issue_description")
    assert f"at most {limit} characters" in response.context["form"].errors["issue_description"][0]
    assert not Device.objects.exists()


@pytest.mark.parametrize("days", [366, 365 * 40])
def test_a_promise_more_than_a_year_out_is_refused(days, client_for, front_desk):
    far = timezone.localdate() + datetime.timedelta(days=days)
    response = client_for(front_desk).post(
        reverse("devices:add_device"), intake_data(expected_delivery_date=far.isoformat())
    )
    assert "within a year" in response.context["form"].errors["expected_delivery_date"][0]
    assert far.isoformat() in response.content.decode()
    assert not Device.objects.exists()


def test_the_services_refuse_a_far_promise_whoever_calls_them(manager, technician):
    # The back office and scripts go through the services: the rule holds there too.
    from django.core.exceptions import ValidationError

    from devices.workflow import device_set_deadline

    far = timezone.localdate() + datetime.timedelta(days=400)
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    with pytest.raises(ValidationError) as refused:
        device_set_deadline(device=device, expected_delivery_date=far, by=manager)
    assert "within a year" in refused.value.message_dict["expected_delivery_date"][0]
    device.refresh_from_db()
    assert device.expected_delivery_date != far


def test_the_back_office_refuses_a_far_promise(client_for, manager, technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    url = reverse("admin:devices_device_change", args=[device.pk])
    page = client_for(manager).get(url)
    data = {
        name: (value if value is not None else "")
        for name, value in page.context["adminform"].form.initial.items()
        if name in page.context["adminform"].form.fields
    }
    far = timezone.localdate() + datetime.timedelta(days=400)
    data.update(expected_delivery_date=far.isoformat(), change_note="Typo check")
    response = client_for(manager).post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["expected_delivery_date"]
    assert "within a year" in errors[0]


def test_a_promise_a_year_out_is_taken(client_for, front_desk):
    year = timezone.localdate() + datetime.timedelta(days=365)
    client_for(front_desk).post(
        reverse("devices:add_device"), intake_data(expected_delivery_date=year.isoformat())
    )
    assert Device.objects.get().expected_delivery_date == year


def test_a_diagnosis_longer_than_its_limit_is_refused(client_for, technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device)
    too_long = "y" * (_limit(Service, "diagnosis") + 1)
    response = client_for(technician).post(
        reverse("devices:service", args=[device.pk]),
        {"diagnosis": too_long, "work_done": "", "labour_charge": "0"},
    )
    assert "diagnosis" in response.context["form"].errors
    assert Service.objects.get(device=device).diagnosis == ""


def test_bill_notes_longer_than_their_limit_are_refused(client_for, manager, technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device, labour_charge="500.00")
    bill = billing_services.bill_close(device=device, by=technician)
    too_long = "z" * (_limit(Bill, "notes") + 1)
    response = client_for(manager).post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {"discount": "0", "notes": too_long, "reason": "Add warranty", "quantity": "1"},
    )
    assert response.status_code == 200
    assert "notes" in response.context["form"].errors
    assert Bill.objects.get(pk=bill.pk).notes == ""


def test_a_lead_requirement_longer_than_its_limit_is_refused(client_for, front_desk):
    response = client_for(front_desk).post(
        reverse("crm:lead_create"),
        {
            "name": "Anil Kumar",
            "phone": "98450 66666",
            "source": "phone",
            "requirement": "r" * (_limit(Lead, "requirement") + 1),
            "status": "new",
        },
    )
    assert "requirement" in response.context["form"].errors
    assert not Lead.objects.exists()
