"""Closing a repair: the bill is issued from the service, numbered, and the device is ready."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import services
from billing.models import Bill, BillStatus, Payment, Refund
from devices.models import DeviceEvent, DeviceStatus
from devices.services import part_add

pytestmark = pytest.mark.django_db


def test_a_long_work_done_is_printed_whole_on_the_bill(make_device, client_for, technician):
    from devices.models import Service

    device = make_device(labour="450")
    work = " ".join(
        f"Step {n}: reseated the keyboard ribbon and cleaned its contacts." for n in range(30)
    )
    assert len(work) > 1900  # near the work-done field's 2,000-character limit
    Service.objects.filter(device=device).update(work_done=work)
    bill = services.bill_close(device=device, by=technician)
    assert bill.lines.get(kind="labour").description == f"Labour: {work}"
    page = client_for(technician).get(reverse("billing:print_bill", args=[device.pk])).text
    assert "Step 29: reseated the keyboard ribbon and cleaned its contacts." in page


def test_closing_copies_labour_and_each_part_with_quantity_times_price(make_device, technician):
    device = make_device(
        labour="800.00", parts=[("RAM 8GB", 2, "1650.00"), ("Thermal paste", 1, "150.00")]
    )
    bill = services.bill_close(device=device, by=technician, discount="100")

    lines = list(bill.lines.values_list("kind", "description", "quantity", "unit_price", "amount"))
    assert lines == [
        ("labour", "Labour charges", 1, Decimal("800.00"), Decimal("800.00")),
        ("part", "RAM 8GB", 2, Decimal("1650.00"), Decimal("3300.00")),
        ("part", "Thermal paste", 1, Decimal("150.00"), Decimal("150.00")),
    ]
    assert (bill.subtotal, bill.discount, bill.bill_value) == (
        Decimal("4250.00"),
        Decimal("100.00"),
        Decimal("4150.00"),
    )
    assert bill.status == BillStatus.OPEN
    device.refresh_from_db()
    assert device.status == DeviceStatus.READY
    assert device.ready_at is not None


def test_labour_line_says_what_work_was_done(make_device, technician):
    device = make_device(labour="500")
    device.service.work_done = "Replaced  the DC jack\nand cleaned the fan"
    device.service.save()
    bill = services.bill_close(device=device, by=technician)
    assert bill.lines.get().description == "Labour: Replaced the DC jack and cleaned the fan"


def test_a_later_edit_of_the_service_does_not_change_the_issued_bill(make_device, technician):
    device = make_device(labour="500", parts=[("Keyboard", 1, "1200")])
    bill = services.bill_close(device=device, by=technician)
    device.service.labour_charge = Decimal("9999")
    device.service.save()
    device.service.parts.update(unit_cost=Decimal("1"))
    bill.refresh_from_db()
    assert bill.bill_value == Decimal("1700.00")
    assert sum(line.amount for line in bill.lines.all()) == Decimal("1700.00")


def test_no_labour_line_when_labour_is_zero(make_device, technician):
    bill = services.bill_close(device=make_device(parts=[("SSD", 1, "3200")]), by=technician)
    assert list(bill.lines.values_list("kind", flat=True)) == ["part"]


def test_a_zero_bill_is_refused_until_it_is_confirmed(make_device, technician):
    device = make_device()
    with pytest.raises(ValidationError) as refused:
        services.bill_close(device=device, by=technician)
    assert "Nothing to bill yet" in refused.value.message_dict["allow_zero"][0]
    device.refresh_from_db()
    assert device.status == DeviceStatus.ASSIGNED
    assert not Bill.objects.exists()


def test_a_discount_down_to_zero_also_needs_the_confirmation(make_device, technician):
    device = make_device(labour="500")
    with pytest.raises(ValidationError) as refused:
        services.bill_close(device=device, by=technician, discount="500")
    assert "discount takes the bill to ₹0.00" in refused.value.message_dict["allow_zero"][0]
    bill = services.bill_close(device=device, by=technician, discount="500", allow_zero=True)
    assert (bill.bill_value, bill.discount) == (Decimal("0.00"), Decimal("500.00"))


def test_a_free_repair_makes_a_zero_bill_that_is_paid(make_device, technician):
    bill = services.bill_close(device=make_device(), by=technician, allow_zero=True)
    assert bill.bill_value == Decimal("0.00")
    assert bill.status == BillStatus.PAID


def test_discount_above_the_bill_is_refused_next_to_the_discount(make_device, technician):
    device = make_device(labour="500")
    with pytest.raises(ValidationError) as refused:
        services.bill_close(device=device, by=technician, discount="600")
    assert "discount" in refused.value.message_dict
    device.refresh_from_db()
    assert device.status == DeviceStatus.ASSIGNED
    assert not Bill.objects.exists()


def test_closing_twice_makes_one_bill_and_says_why(make_device, technician, manager):
    device = make_device(labour="500")
    services.bill_close(device=device, by=technician)
    with pytest.raises(ValidationError, match="already closed"):
        services.bill_close(device=device, by=manager)
    assert Bill.objects.filter(device=device).count() == 1


def test_a_device_not_in_repair_cannot_be_closed(make_device, technician):
    device = make_device(status=DeviceStatus.RECEIVED)
    with pytest.raises(ValidationError, match="cannot be marked ready"):
        services.bill_close(device=device, by=technician)


def test_advances_are_attached_and_counted_as_received(make_device, front_desk, technician):
    device = make_device(labour="2500")
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    services.payment_record(device=device, amount="1000", mode="upi", by=front_desk)
    bill = services.bill_close(device=device, by=technician)
    assert bill.amount_received == Decimal("1500.00")
    assert bill.balance == Decimal("1000.00")
    assert bill.status == BillStatus.PARTLY_PAID
    assert set(Payment.objects.values_list("bill_id", flat=True)) == {bill.pk}


def test_advances_above_the_total_are_refused_unless_the_difference_is_refunded(
    make_device, front_desk, technician
):
    device = make_device(labour="1500")
    services.payment_record(device=device, amount="2000", mode="cash", by=front_desk)
    with pytest.raises(ValidationError, match="refund the difference"):
        services.bill_close(device=device, by=technician)
    assert not Bill.objects.exists()

    bill = services.bill_close(device=device, by=technician, refund_excess=True, refund_mode="upi")
    refund = Refund.objects.get()
    assert (refund.amount, refund.mode, refund.bill) == (Decimal("500.00"), "upi", bill)
    assert bill.amount_received == Decimal("1500.00")
    assert bill.status == BillStatus.PAID


def test_closing_records_the_bill_on_the_timeline(make_device, technician):
    device = make_device(labour="500")
    bill = services.bill_close(device=device, by=technician)
    event = device.events.get(kind=DeviceEvent.Kind.READY)
    assert event.note == f"Bill {bill.number}: ₹500.00, received ₹0.00."
    assert event.by == technician


# --- the page ----------------------------------------------------------------------------


def test_close_button_issues_the_bill_and_opens_it(client_for, technician, make_device):
    device = make_device(labour="750")
    response = client_for(technician).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:print_bill", args=[device.pk])
    assert Bill.objects.get(device=device).bill_value == Decimal("750.00")


def test_a_discount_typed_as_slash_dash_is_taken_off_the_bill(client_for, front_desk, make_device):
    device = make_device(labour="1000")
    client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "100/-"}
    )
    assert Bill.objects.get(device=device).bill_value == Decimal("900.00")


def test_a_discount_that_is_not_an_amount_stops_the_close(client_for, front_desk, make_device):
    device = make_device(labour="1000")
    response = client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "hundred"}
    )
    assert response.status_code == 200
    assert "Enter the amount as a number" in response.content.decode()
    assert 'value="hundred"' in response.content.decode()
    assert not Bill.objects.exists()


def test_a_refused_close_shows_the_reason_next_to_the_discount_and_keeps_it(
    client_for, front_desk, make_device
):
    device = make_device(labour="300")
    response = client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "450"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be more than the bill before discount" in html
    assert 'value="450' in html
    assert not Bill.objects.exists()


def test_a_job_past_what_a_bill_can_hold_is_refused_with_a_message_not_an_error(
    client_for, front_desk, make_device
):
    # Written before the service refused such parts: 2 x 9,999 x ₹9,99,999.99 > ₹999,99,99,999.99.
    device = make_device(parts=[("Board", 9999, "999999.99"), ("Board", 9999, "999999.99")])
    response = client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": ""}, follow=True
    )
    assert response.status_code == 200
    assert "more than a bill can hold" in response.content.decode()
    assert not Bill.objects.exists()
    device.refresh_from_db()
    assert device.status == DeviceStatus.ASSIGNED


def test_closing_a_closed_device_again_shows_a_message_not_an_error(
    client_for, front_desk, make_device, technician
):
    device = make_device(labour="300")
    services.bill_close(device=device, by=technician)
    response = client_for(front_desk).post(reverse("billing:close_device"), {"device": device.pk})
    assert response.status_code == 200
    assert "already closed and waiting for delivery" in response.content.decode()
    assert Bill.objects.count() == 1


@pytest.mark.parametrize("device_id", ["999999", "abc", ""])
def test_closing_an_unknown_device_is_404(client_for, front_desk, device_id):
    response = client_for(front_desk).post(reverse("billing:close_device"), {"device": device_id})
    assert response.status_code == 404


def test_the_close_address_opened_as_a_page_goes_to_the_device_or_the_list(
    client_for, front_desk, make_device
):
    device = make_device()
    client = client_for(front_desk)
    url = reverse("billing:close_device")
    to_device = client.get(f"{url}?device={device.pk}")
    assert to_device["Location"] == reverse("devices:service", args=[device.pk])
    for asked in ("", "?device=999999", "?device=abc"):
        assert client.get(url + asked)["Location"] == reverse("devices:device_list")
    device.refresh_from_db()
    assert device.status == "assigned"


def _panel_total(client, device):
    page = client.get(reverse("devices:service", args=[device.pk])).content.decode()
    return re.search(r'name="expected_total" value="([^"]+)"', page).group(1)


def test_a_close_sent_after_the_job_changed_issues_nothing_and_shows_the_new_total(
    client_for, front_desk, technician, make_device
):
    device = make_device(labour="750")
    clerk = client_for(front_desk)
    seen = _panel_total(clerk, device)
    assert Decimal(seen) == Decimal("750.00")
    # Meanwhile the technician adds a part the clerk never saw.
    part_add(device=device, by=technician, name="SSD", quantity=1, unit_cost="4000")
    posted = {"device": device.pk, "discount": "250", "expected_total": seen}

    refused = clerk.post(reverse("billing:close_device"), posted)

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "The job changed while this page was open" in html
    assert "₹4,750.00 before discount, not the ₹750.00 you saw" in html
    assert not Bill.objects.exists()
    # The page shown now carries the new total: sent again, knowingly, it closes.
    assert 'name="expected_total" value="4750.00"' in html
    again = clerk.post(reverse("billing:close_device"), {**posted, "expected_total": "4750.00"})
    assert again.status_code == 302
    assert Bill.objects.get(device=device).bill_value == Decimal("4500.00")


def test_a_close_from_a_form_without_the_total_still_closes(client_for, front_desk, make_device):
    device = make_device(labour="750")
    client_for(front_desk).post(reverse("billing:close_device"), {"device": device.pk})
    assert Bill.objects.get(device=device).bill_value == Decimal("750.00")


def test_an_advance_above_the_bill_goes_back_the_way_it_came_and_the_clerk_is_told(
    client_for, front_desk, make_device
):
    device = make_device(labour="300")
    services.payment_record(device=device, amount="1000", mode="upi", by=front_desk)
    clerk = client_for(front_desk)
    page = clerk.get(reverse("devices:service", args=[device.pk])).content.decode()
    chosen = re.search(r'name="refund_mode"[^>]*>.*?<option value="(\w+)" selected', page, re.S)
    assert chosen.group(1) == "upi"

    response = clerk.post(
        reverse("billing:close_device"),
        {
            "device": device.pk,
            "refund_excess": "on",
            "refund_mode": chosen.group(1),
            "expected_total": _panel_total(clerk, device),
        },
        follow=True,
    )

    refund = Refund.objects.get(device=device)
    assert (refund.amount, refund.mode) == (Decimal("700.00"), "upi")
    assert "Hand ₹700.00 back to the customer (UPI)" in response.content.decode()


def test_the_close_page_offers_no_refund_when_the_advance_is_within_the_bill(
    client_for, front_desk, make_device
):
    device = make_device(labour="3000")
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    refused = client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "99999"}
    )
    html = refused.content.decode()
    assert "cannot be more than the bill before discount" in html
    assert 'name="refund_excess"' not in html and 'name="refund_mode"' not in html


@pytest.fixture
def discount_limit_500():
    from billing.models import ShopSettings

    shop = ShopSettings.load()
    shop.staff_discount_limit = Decimal("500")
    shop.save()


def test_staff_give_a_discount_up_to_the_shops_limit(
    discount_limit_500, client_for, front_desk, make_device
):
    device = make_device(labour="3000")
    clerk = client_for(front_desk)
    page = clerk.get(reverse("devices:service", args=[device.pk])).content.decode()
    assert "Up to ₹500.00; a bigger discount is given by a manager." in page
    clerk.post(reverse("billing:close_device"), {"device": device.pk, "discount": "500"})
    assert Bill.objects.get(device=device).discount == Decimal("500.00")


def test_a_bigger_discount_from_staff_is_refused_next_to_it(
    discount_limit_500, client_for, front_desk, make_device
):
    device = make_device(labour="3000")
    response = client_for(front_desk).post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "501"}
    )
    assert response.status_code == 200
    assert response.context["close_form"].errors["discount"] == [
        "A discount above ₹500.00 is given by a manager or the owner: "
        "ask one of them to close this repair."
    ]
    assert not Bill.objects.exists()


def test_a_manager_gives_a_discount_above_the_staff_limit(
    discount_limit_500, client_for, manager, make_device
):
    device = make_device(labour="3000")
    page = client_for(manager).get(reverse("devices:service", args=[device.pk])).content.decode()
    assert "a bigger discount is given by a manager" not in page
    services.bill_close(device=device, by=manager, discount="2000")
    assert Bill.objects.get(device=device).bill_value == Decimal("1000.00")


def test_a_discount_below_the_advance_is_refused_with_the_refund_box_to_tick(
    client_for, front_desk, make_device
):
    device = make_device(labour="1200")
    services.payment_record(device=device, amount="1000", mode="upi", by=front_desk)
    clerk = client_for(front_desk)
    refused = clerk.post(reverse("billing:close_device"), {"device": device.pk, "discount": "300"})
    html = refused.content.decode()
    assert "refund the difference" in html
    assert 'name="refund_excess"' in html  # the box the message asks to tick is there
    assert re.search(r'<option value="upi" selected>', html)
    done = clerk.post(
        reverse("billing:close_device"),
        {"device": device.pk, "discount": "300", "refund_excess": "on", "refund_mode": "upi"},
    )
    assert done.status_code == 302
    assert Refund.objects.get(device=device).amount == Decimal("100.00")


def test_after_a_reopen_staff_close_with_the_discount_a_manager_gave(
    discount_limit_500, client_for, front_desk, manager, make_device
):
    device = make_device(labour="3000")
    services.bill_close(device=device, by=manager, discount="1000")
    services.reopen_device(device=device, by=manager, reason="Fan still noisy")
    clerk = client_for(front_desk)
    page = clerk.get(reverse("devices:service", args=[device.pk])).content.decode()
    assert "Up to ₹1,000.00" in page  # the agreed discount, filled in, is within reach
    response = clerk.post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "1000.00"}
    )
    assert response.status_code == 302
    assert Bill.objects.get(device=device, status__in=["open"]).discount == Decimal("1000.00")
