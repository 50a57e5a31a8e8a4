"""Changing a closed bill: managers only, with a reason, recorded, never below what was paid."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from billing import services
from billing.models import Bill, BillChange, BillLine
from devices.models import DeviceEvent

pytestmark = pytest.mark.django_db


def test_a_manager_adds_a_charge_and_a_discount_and_it_is_recorded(john_doe, manager):
    device, bill = john_doe
    changed = services.bill_correct(
        bill=bill,
        by=manager,
        reason="Customer asked for a data backup",
        discount="100",
        add_lines=[{"description": "Data backup", "quantity": 1, "unit_price": "400"}],
        notes="Backup on customer's pen drive",
    )
    assert (changed.subtotal, changed.discount, changed.bill_value) == (
        Decimal("2900.00"),
        Decimal("100.00"),
        Decimal("2800.00"),
    )
    assert changed.balance == Decimal("800.00")
    assert changed.version == bill.version + 1
    change = BillChange.objects.get()
    assert change.changed_by == manager
    assert change.reason == "Customer asked for a data backup"
    assert change.before["bill_value"] == "2500.00"
    assert change.after["bill_value"] == "2800.00"
    assert len(change.after["lines"]) == 3
    assert "Data backup" in change.summary and "Discount" in change.summary
    event = device.events.get(kind=DeviceEvent.Kind.BILL_CHANGED)
    assert (event.from_value, event.to_value) == ("₹2,500.00", "₹2,800.00")
    assert event.by == manager


def test_the_new_total_may_not_go_below_what_was_received(john_doe, manager):
    _, bill = john_doe
    with pytest.raises(ValidationError, match="less than the ₹2,000.00 already received"):
        services.bill_correct(bill=bill, by=manager, reason="Goodwill", discount="600")
    bill.refresh_from_db()
    assert bill.discount == Decimal("0.00")
    assert not BillChange.objects.exists()


@pytest.mark.parametrize("quantity, price", [(1, "9999999999.99"), (3, "4000000000.00")])
def test_a_charge_that_would_overflow_the_bill_is_refused_next_to_the_price(
    john_doe, manager, client_for, quantity, price
):
    """The money columns hold 12 digits; a bill beyond them is refused, not a crash."""
    _, bill = john_doe
    with pytest.raises(ValidationError) as refused:
        services.bill_correct(
            bill=bill,
            by=manager,
            reason="Data recovery",
            add_lines=[{"description": "Data backup", "quantity": quantity, "unit_price": price}],
        )
    assert (
        "would come to more than ₹9,99,99,99,999.99" in refused.value.message_dict["unit_price"][0]
    )
    response = client_for(manager).post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {
            "version": bill.version,
            "discount": "0",
            "description": "Data backup",
            "quantity": str(quantity),
            "unit_price": price,
            "reason": "Data recovery",
        },
    )
    assert response.status_code == 200 and "would come to more than" in response.content.decode()
    bill.refresh_from_db()
    assert not BillChange.objects.exists() and bill.lines.count() == 2


def test_a_quantity_past_any_real_charge_is_refused_next_to_it(john_doe, manager, client_for):
    # 10^12 x ₹0.01 fits a bill, but not the quantity column: refused by the form.
    _, bill = john_doe
    response = client_for(manager).post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {
            "version": bill.version,
            "discount": "0",
            "description": "Screws",
            "quantity": "1000000000000",
            "unit_price": "0.01",
            "reason": "Parts",
        },
    )
    assert response.status_code == 200
    assert "less than or equal to 9999" in response.content.decode()
    assert not BillChange.objects.exists() and bill.lines.count() == 2


def test_a_change_needs_a_reason_and_a_change(john_doe, manager):
    _, bill = john_doe
    with pytest.raises(ValidationError) as refused:
        services.bill_correct(bill=bill, by=manager, reason=" ", discount="10")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError, match="Nothing was changed"):
        services.bill_correct(bill=bill, by=manager, reason="Just looking", discount="0")


def test_staff_cannot_change_a_closed_bill(john_doe, front_desk, client_for):
    _, bill = john_doe
    with pytest.raises(PermissionDenied):
        services.bill_correct(bill=bill, by=front_desk, reason="x", discount="1")
    response = client_for(front_desk).post(
        reverse("billing:correct_bill", args=[bill.pk]), {"discount": "1", "reason": "x"}
    )
    assert response.status_code == 403
    bill.refresh_from_db()
    assert bill.discount == Decimal("0.00")


def test_service_lines_cannot_be_removed_but_extra_charges_can(john_doe, manager):
    _, bill = john_doe
    labour = bill.lines.get(kind=BillLine.Kind.LABOUR)
    with pytest.raises(ValidationError, match="came from the service"):
        services.bill_correct(bill=bill, by=manager, reason="x", remove_line_ids=[labour.pk])
    bill = services.bill_correct(
        bill=bill,
        by=manager,
        reason="Cleaning asked for",
        add_lines=[{"description": "Cleaning", "quantity": 2, "unit_price": "150"}],
    )
    extra = bill.lines.get(kind=BillLine.Kind.CHARGE)
    assert extra.amount == Decimal("300.00")
    bill = services.bill_correct(
        bill=bill, by=manager, reason="Customer declined cleaning", remove_line_ids=[extra.pk]
    )
    assert bill.bill_value == Decimal("2500.00")
    assert BillChange.objects.count() == 2


def test_a_void_bill_cannot_be_changed(john_doe, manager):
    device, bill = john_doe
    services.reopen_device(device=device, by=manager, reason="Retest")
    with pytest.raises(ValidationError, match="void"):
        services.bill_correct(
            bill=Bill.objects.get(pk=bill.pk), by=manager, reason="x", discount="1"
        )


def test_the_correction_page_records_and_shows_the_change_on_the_bill(
    john_doe, client_for, manager
):
    device, bill = john_doe
    client = client_for(manager)
    response = client.post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {
            "version": bill.version,
            "discount": "50",
            "description": "Screen guard",
            "quantity": "1",
            "unit_price": "250",
            "notes": "",
            "reason": "Added at delivery",
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("billing:print_bill", args=[device.pk])).content.decode()
    assert "Changes to this bill" in html
    assert "Added at delivery" in html
    assert "Screen guard" in html
    assert "₹2,700.00" in html


def test_the_correction_page_shows_a_refusal_next_to_the_form_and_keeps_input(
    john_doe, client_for, manager
):
    _, bill = john_doe
    response = client_for(manager).post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {"version": bill.version, "discount": "900", "reason": "Big goodwill discount"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "already received" in html
    assert 'value="900' in html
    assert "Big goodwill discount" in html


@pytest.mark.parametrize("delivered", [True, False])
def test_raising_a_handed_back_devices_bill_warns_of_the_balance_to_collect(
    delivered, john_doe, client_for, manager, front_desk
):
    device, bill = john_doe
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    if delivered:
        services.delivery_complete(device=device, by=front_desk)
    bill.refresh_from_db()  # the version the change page would show now
    client = client_for(manager)

    response = client.post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {
            "version": bill.version,
            "discount": "0",
            "description": "Data backup",
            "quantity": "1",
            "unit_price": "400",
            "notes": "",
            "reason": "Forgot the backup",
        },
    )

    assert response.status_code == 302
    said = get_messages(response.wsgi_request)
    warnings = [str(m) for m in said if m.level_tag == "warning"]
    if delivered:
        assert warnings == [
            f"{device.job_number} was already handed back: John Doe now owes ₹400.00 on "
            "this bill. Take it with “Take payment” on the device's page."
        ]
    else:  # still on the shelf: the delivery counter asks for the balance anyway
        assert warnings == []


def test_lowering_a_handed_back_devices_balance_raises_no_alarm(john_doe, client_for, manager):
    # Delivered with ₹500 still due; a ₹100 discount lowers what is owed: "now owes" would
    # read as new debt.
    device, bill = john_doe
    services.delivery_complete(
        device=device, by=manager, allow_balance_due=True, reason="Regular customer"
    )
    bill.refresh_from_db()

    response = client_for(manager).post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {
            "version": bill.version,
            "discount": "100",
            "notes": "",
            "reason": "Goodwill",
            "quantity": "1",
        },
    )

    assert response.status_code == 302
    bill.refresh_from_db()
    assert bill.balance == Decimal("400.00")
    said = get_messages(response.wsgi_request)
    assert [m.level_tag for m in said] == ["success"]


def test_a_negative_extra_charge_is_refused_once_for_what_it_is(john_doe, client_for, manager):
    _device, bill = john_doe
    response = client_for(manager).post(
        reverse("billing:correct_bill", args=[bill.pk]),
        {
            "version": bill.version,
            "discount": "0",
            "description": "Backup",
            "quantity": "1",
            "unit_price": "-5",
            "reason": "Forgot",
        },
    )
    errors = response.context["form"].errors["unit_price"]
    assert errors == ["Enter an amount of zero or more, without a minus sign."]


def test_the_same_correction_sent_twice_adds_its_charge_once(john_doe, client_for, manager):
    device, bill = john_doe
    client = client_for(manager)
    page = client.get(reverse("billing:correct_bill", args=[bill.pk])).content.decode()
    assert f'name="version" value="{bill.version}"' in page
    posted = {
        "version": str(bill.version),
        "discount": "0",
        "description": "Data backup",
        "quantity": "1",
        "unit_price": "500",
        "reason": "Backup asked at the counter",
    }
    first = client.post(reverse("billing:correct_bill", args=[bill.pk]), posted)
    assert first.status_code == 302

    again = client.post(reverse("billing:correct_bill", args=[bill.pk]), posted)

    assert again.status_code == 200
    html = again.content.decode()
    assert "changed while this page was open" in html and "so nothing was saved" in html
    assert "by Ravi" in html  # the change that got in first, named
    assert "Data backup" in html and "Backup asked at the counter" in html  # kept as typed
    bill.refresh_from_db()
    assert bill.lines.filter(description="Data backup").count() == 1
    assert bill.bill_value == Decimal("3000.00")
    assert BillChange.objects.filter(bill=bill).count() == 1
    # Sent once more from the refused page, knowingly, it is the page's version: saved.
    assert f'name="version" value="{bill.version}"' in html
    assert (
        client.post(
            reverse("billing:correct_bill", args=[bill.pk]), {**posted, "version": bill.version}
        ).status_code
        == 302
    )
    assert bill.lines.filter(description="Data backup").count() == 2


def test_a_correction_opened_before_a_payment_is_refused_not_applied_over_it(
    john_doe, manager, front_desk
):
    device, bill = john_doe
    opened_at = bill.version
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    with pytest.raises(ValidationError, match="changed while this page was open"):
        services.bill_correct(
            bill=bill, by=manager, reason="Goodwill", discount="100", expected_version=opened_at
        )
    bill.refresh_from_db()
    assert bill.discount == Decimal("0.00")


def test_a_correction_without_the_bills_version_changes_nothing(john_doe, client_for, manager):
    # Only a hand-made post lacks it; applied, a second send would add the charge again.
    device, bill = john_doe
    posted = {"discount": "0", "description": "Cable", "unit_price": "100", "reason": "x"}
    response = client_for(manager).post(reverse("billing:correct_bill", args=[bill.pk]), posted)
    assert response.status_code == 200
    assert "out of date, so nothing was changed" in response.content.decode()
    bill.refresh_from_db()
    assert not bill.lines.filter(description="Cable").exists()
    assert not BillChange.objects.filter(bill=bill).exists()
