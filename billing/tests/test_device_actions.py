"""The actions panel the service page includes (billing/_device_actions.html)."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from billing import services
from devices.models import DeviceStatus

pytestmark = pytest.mark.django_db


def _panel(device, user):
    request = RequestFactory().get(f"/service/{device.pk}")
    request.user = user
    return render_to_string("billing/_device_actions.html", {"device": device}, request=request)


def test_a_device_in_repair_offers_close_advance_and_return(make_device, technician):
    html = _panel(make_device(labour="500"), technician)
    assert "Close repair &amp; issue bill" in html
    assert reverse("billing:close_device") in html
    assert "Take an advance" in html
    assert "Return unrepaired" in html
    assert "Reopen" not in html


def test_refund_option_only_when_the_advance_is_more_than_the_work(make_device, front_desk):
    device = make_device(labour="500")
    services.payment_record(device=device, amount="400", mode="cash", by=front_desk)
    assert "refund the difference" not in _panel(device, front_desk)
    services.payment_record(device=device, amount="400", mode="cash", by=front_desk)
    assert "refund the difference" in _panel(device, front_desk)


def test_before_any_work_the_close_choices_stay_folded(make_device, front_desk):
    import re

    device = make_device()  # nothing recorded yet
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    html = _panel(device, front_desk)
    folded = re.search(
        r"<details>\s*<summary[^>]*>Close it anyway, free of charge…</summary>(.*?)</details>",
        html,
        re.S,
    )
    assert folded, "the close choices are not folded"
    assert "refund the difference" in folded.group(1) and 'name="allow_zero"' in folded.group(1)
    # Once labour is recorded, closing is the normal step: nothing folded.
    device.service.labour_charge = 800
    device.service.save()
    assert "Close it anyway" not in _panel(device, front_desk)


def test_a_ready_device_with_balance_shows_staff_the_refusal_and_managers_the_override(
    john_doe, front_desk, manager
):
    device, bill = john_doe
    staff_html = _panel(device, front_desk)
    assert bill.number in staff_html and "₹500.00" in staff_html
    assert "Only a manager can deliver with a balance due" in staff_html
    assert "allow_balance_due" not in staff_html
    assert "Reopen" not in staff_html and "Change bill" not in staff_html
    manager_html = _panel(device, manager)
    assert 'name="allow_balance_due"' in manager_html
    assert "Reopen (voids the bill)" in manager_html
    assert reverse("billing:correct_bill", args=[bill.pk]) in manager_html


def test_a_paid_ready_device_offers_mark_delivered(john_doe, front_desk):
    device, _ = john_doe
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    html = _panel(device, front_desk)
    assert "Mark delivered" in html
    assert "Take payment" not in html


def test_a_returned_device_without_a_bill_says_so(make_device, front_desk):
    device = make_device(status=DeviceStatus.RECEIVED)
    services.return_unrepaired(device=device, by=front_desk, reason="Declined")
    device.refresh_from_db()
    html = _panel(device, front_desk)
    assert "No bill for this device" in html and "Declined" in html


def test_the_service_page_includes_the_panel(john_doe, client_for, front_desk):
    device, bill = john_doe
    response = client_for(front_desk).get(reverse("devices:service", args=[device.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="billing-actions-{device.pk}"' in html
    assert bill.number in html


def test_close_page_previews_the_lines_when_refused(make_device, client_for, front_desk):
    device = make_device(labour="300", parts=[("Hinge", 2, "450")])
    response = client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "5000"}
    )
    html = response.content.decode()
    assert "What will be billed" in html
    assert "Hinge × 2" in html and "₹900.00" in html and "₹1,200.00" in html


def test_nothing_to_bill_warns_and_asks_to_confirm_a_zero_bill(make_device, technician):
    html = _panel(make_device(), technician)
    assert "Nothing to bill yet" in html
    assert 'name="allow_zero"' in html and "issue a ₹0.00 bill" in html
    with_work = _panel(make_device(labour="500"), technician)
    assert "Nothing to bill yet" not in with_work and 'name="allow_zero"' not in with_work


def test_nothing_to_bill_tells_someone_who_cannot_edit_the_job_who_can(
    make_device, technician, front_desk, manager
):
    device = make_device()  # assigned to ``technician``
    own = _panel(device, technician)
    assert "add labour or parts first" in own
    other = _panel(device, front_desk)
    assert "Nothing to bill yet" in other and "add labour or parts first" not in other
    assert f"{device.assigned_to}, a manager or an admin adds the labour and parts" in other
    assert "add labour or parts first" in _panel(device, manager)


def test_closing_a_zero_bill_without_the_tick_is_refused_next_to_it(
    make_device, client_for, front_desk
):
    device = make_device()
    response = client_for(front_desk).post(reverse("billing:close_device"), {"device": device.pk})
    assert response.status_code == 200
    form = response.context["close_form"]
    assert "Nothing to bill yet" in form.errors["allow_zero"][0]
    html = response.content.decode()
    assert 'name="allow_zero"' in html and "is-invalid" in html
    device.refresh_from_db()
    assert device.status == DeviceStatus.ASSIGNED and not device.bills.exists()


def test_closing_a_zero_bill_with_the_tick_issues_it(make_device, client_for, front_desk):
    device = make_device()
    response = client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "allow_zero": "on"}
    )
    assert response["Location"] == reverse("billing:print_bill", args=[device.pk])
    bill = device.bills.get()
    assert bill.bill_value == 0
    device.refresh_from_db()
    assert device.status == DeviceStatus.READY


def test_a_full_discount_asks_for_the_tick_on_the_close_page(make_device, client_for, front_desk):
    device = make_device(labour="400")
    response = client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "400"}
    )
    html = response.content.decode()
    assert "discount takes the bill to ₹0.00" in html
    assert 'name="allow_zero"' in html and 'value="400' in html
    assert not device.bills.exists()


def test_an_unassigned_device_tells_each_role_who_assigns_it(make_device, front_desk, manager):
    device = make_device(status=DeviceStatus.RECEIVED)
    assert "A manager assigns a technician first" in _panel(device, front_desk)
    assert "Assign a technician first" in _panel(device, manager)


def test_the_bill_names_spare_parts_but_does_not_label_charges_as_charges(
    john_doe, manager, client_for
):
    device, bill = john_doe
    services.bill_correct(
        bill=bill,
        by=manager,
        reason="Backup",
        add_lines=[{"description": "Data backup", "quantity": 1, "unit_price": "300"}],
    )
    html = client_for(manager).get(reverse("billing:print_bill", args=[device.pk])).content.decode()
    assert 'Power IC <span class="kind">· Spare part</span>' in html
    assert "Data backup</td>" in html
