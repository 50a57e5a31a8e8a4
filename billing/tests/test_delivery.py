"""Delivery, return unrepaired and reopen (SPEC §2, §5)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from billing import services
from billing.models import Bill, BillKind, BillStatus, Payment, Refund
from devices.models import DeviceEvent, DeviceStatus
from telite.money import format_money

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_with_balance(make_device, technician, front_desk):
    device = make_device(labour="2500")
    services.payment_record(device=device, amount="2000", mode="cash", by=front_desk)
    bill = services.bill_close(device=device, by=technician)
    return device, bill


# --- deliver -----------------------------------------------------------------------------


def test_a_paid_device_is_delivered(make_device, technician, front_desk):
    device = make_device(labour="500")
    services.bill_close(device=device, by=technician)
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    services.delivery_complete(device=device, by=front_desk)
    device.refresh_from_db()
    assert device.status == DeviceStatus.DELIVERED
    assert device.delivered_at is not None


def test_staff_cannot_deliver_with_a_balance_due(ready_with_balance, front_desk):
    device, _ = ready_with_balance
    with pytest.raises(ValidationError, match="₹500.00 is still due"):
        services.delivery_complete(device=device, by=front_desk)
    with pytest.raises(ValidationError, match="Only a manager"):
        services.delivery_complete(
            device=device, by=front_desk, allow_balance_due=True, reason="Regular"
        )
    device.refresh_from_db()
    assert device.status == DeviceStatus.READY


def test_a_manager_delivers_with_balance_due_giving_a_reason_and_it_is_recorded(
    ready_with_balance, manager
):
    device, bill = ready_with_balance
    with pytest.raises(ValidationError) as refused:
        services.delivery_complete(device=device, by=manager, allow_balance_due=True)
    assert "reason" in refused.value.message_dict
    services.delivery_complete(
        device=device, by=manager, allow_balance_due=True, reason="Pays on Friday"
    )
    device.refresh_from_db()
    assert device.status == DeviceStatus.DELIVERED
    event = device.events.get(kind=DeviceEvent.Kind.DELIVERED)
    assert "₹500.00 still due" in event.note and "Pays on Friday" in event.note
    assert bill.number in event.note
    assert event.by == manager


def test_a_device_that_is_not_ready_cannot_be_delivered(make_device, manager):
    device = make_device(labour="100")
    with pytest.raises(ValidationError, match="only a device that is ready"):
        services.delivery_complete(device=device, by=manager)


def test_deliver_button_for_staff_with_balance_shows_the_refusal(
    ready_with_balance, client_for, front_desk
):
    device, _ = ready_with_balance
    response = client_for(front_desk).post(
        reverse("billing:deliver", args=[device.pk]),
        {"allow_balance_due": "on", "reason": "trust me"},
    )
    assert response.status_code == 200
    assert "Only a manager or the owner can hand over" in response.content.decode()
    device.refresh_from_db()
    assert device.status == DeviceStatus.READY


def test_manager_delivers_with_balance_from_the_list(ready_with_balance, client_for, manager):
    device, _ = ready_with_balance
    response = client_for(manager).post(
        reverse("billing:deliver", args=[device.pk]),
        {"allow_balance_due": "on", "reason": "Known customer", "next": "/delivery_ready"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/delivery_ready"
    device.refresh_from_db()
    assert device.status == DeviceStatus.DELIVERED


# --- return unrepaired -------------------------------------------------------------------


def test_return_without_charge_refunds_the_advance_and_issues_no_bill(make_device, front_desk):
    device = make_device(status=DeviceStatus.RECEIVED)
    services.payment_record(device=device, amount="300", mode="upi", by=front_desk)
    bill = services.return_unrepaired(device=device, by=front_desk, reason="Declined estimate")
    assert bill is None
    device.refresh_from_db()
    assert device.status == DeviceStatus.RETURNED
    assert device.return_reason == "Declined estimate"
    refund = Refund.objects.get()
    assert (refund.amount, refund.bill) == (Decimal("300.00"), None)
    # The timeline says money went out, not that a payment came in.
    event = device.events.get(kind=DeviceEvent.Kind.REFUND)
    assert (event.get_kind_display(), event.to_value) == ("Refund paid", "-₹300.00")


def test_return_with_an_inspection_charge_issues_a_one_line_bill(make_device, front_desk, manager):
    device = make_device(labour="5000", parts=[("Board", 1, "9000")])
    services.payment_record(device=device, amount="200", mode="cash", by=front_desk)
    bill = services.return_unrepaired(
        device=device,
        by=manager,
        reason="Beyond repair",
        inspection_charge="350",
        allow_balance_due=True,
        balance_reason="Pays on Friday",
    )
    assert bill.kind == BillKind.INSPECTION
    assert list(bill.lines.values_list("kind", "amount")) == [("charge", Decimal("350.00"))]
    assert (bill.bill_value, bill.amount_received, bill.balance) == (
        Decimal("350.00"),
        Decimal("200.00"),
        Decimal("150.00"),
    )
    event = device.events.get(kind=DeviceEvent.Kind.RETURNED)
    assert "Returned with ₹150.00 of the inspection charge due" in event.note
    assert "Pays on Friday" in event.note
    # The rest can be paid on that bill even though the device has gone back.
    services.payment_record(device=device, amount="150", mode="cash", by=front_desk)
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID


def test_return_with_a_charge_below_the_advance_refunds_the_difference(make_device, front_desk):
    device = make_device()
    services.payment_record(device=device, amount="1000", mode="cash", by=front_desk)
    bill = services.return_unrepaired(
        device=device, by=front_desk, reason="No parts", inspection_charge="250", refund_mode="upi"
    )
    assert bill.amount_received == Decimal("250.00")
    assert Refund.objects.get().amount == Decimal("750.00")


def test_the_return_on_the_timeline_names_the_inspection_bill(make_device, front_desk):
    device = make_device()
    services.payment_record(device=device, amount="200", mode="upi", by=front_desk)
    bill = services.return_unrepaired(
        device=device, by=front_desk, reason="Customer declined", inspection_charge="200"
    )
    event = device.events.get(kind=DeviceEvent.Kind.RETURNED)
    assert event.note == (
        f"Customer declined. Inspection bill {bill.number}: ₹200.00, received ₹200.00."
    )


@pytest.mark.parametrize(
    ("charge", "handed_back"), [("", "₹500.00"), ("300", "₹200.00")], ids=["free", "charged"]
)
def test_returning_tells_the_clerk_to_hand_the_advance_back(
    make_device, client_for, front_desk, charge, handed_back
):
    device = make_device()
    services.payment_record(device=device, amount="500", mode="upi", by=front_desk)
    response = client_for(front_desk).post(
        reverse("billing:return_device", args=[device.pk]),
        {"reason": "Declined estimate", "inspection_charge": charge, "refund_mode": "upi"},
        follow=True,
    )
    said = " ".join(str(m) for m in response.context["messages"])
    refund = Refund.objects.get(device=device)
    assert format_money(refund.amount) == handed_back
    assert f"Hand {handed_back} back to the customer (UPI)" in said


def test_a_charge_above_the_advance_is_taken_first_or_left_due_by_a_manager(
    make_device, front_desk, manager, client_for
):
    device = make_device()
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    url = reverse("billing:return_device", args=[device.pk])
    posted = {"reason": "Declined estimate", "inspection_charge": "900", "refund_mode": "cash"}

    clerk = client_for(front_desk).post(url, posted).content.decode()
    assert "₹400.00 of the ₹900.00 charge is not paid yet" in clerk
    assert "ask a manager to return it with the charge due" in clerk
    assert 'name="allow_balance_due"' not in clerk  # not theirs to tick
    with pytest.raises(ValidationError, match="Only a manager"):
        services.return_unrepaired(
            device=device,
            by=front_desk,
            reason="Declined estimate",
            inspection_charge="900",
            allow_balance_due=True,
            balance_reason="x",
        )

    boss = client_for(manager)
    unticked = boss.post(url, posted).content.decode()
    assert "tick “Return with the charge due” and give a reason" in unticked
    assert 'name="allow_balance_due"' in unticked
    no_reason = boss.post(url, {**posted, "allow_balance_due": "on"}).content.decode()
    assert "Say why the device goes back with the charge due." in no_reason
    device.refresh_from_db()
    assert device.status == DeviceStatus.ASSIGNED

    # The clerk takes the rest first instead: then the return goes through.
    services.payment_record(device=device, amount="400", mode="cash", by=front_desk)
    assert client_for(front_desk).post(url, posted).status_code == 302
    device.refresh_from_db()
    assert device.status == DeviceStatus.RETURNED


def test_return_needs_a_reason_and_an_open_device(make_device, front_desk, technician):
    device = make_device(labour="300")
    with pytest.raises(ValidationError):
        services.return_unrepaired(device=device, by=front_desk, reason="  ")
    services.bill_close(device=device, by=technician)
    with pytest.raises(ValidationError, match="cannot be returned unrepaired"):
        services.return_unrepaired(device=device, by=front_desk, reason="Changed mind")


def test_an_inspection_charge_typed_as_slash_dash_is_charged(make_device, client_for, manager):
    device = make_device()
    services.payment_record(device=device, amount="1000", mode="cash", by=manager)
    client_for(manager).post(
        reverse("billing:return_device", args=[device.pk]),
        {"reason": "Declined estimate", "inspection_charge": "200/-", "refund_mode": "cash"},
    )
    bill = Bill.objects.get(device=device)
    assert (bill.bill_value, bill.amount_received) == (Decimal("200.00"), Decimal("200.00"))
    assert Refund.objects.get(device=device).amount == Decimal("800.00")


def test_return_page_keeps_what_was_typed_when_refused(make_device, client_for, front_desk):
    device = make_device()
    response = client_for(front_desk).post(
        reverse("billing:return_device", args=[device.pk]),
        {"reason": "", "inspection_charge": "150", "refund_mode": "cash"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="150' in html
    assert "Say why the device goes back unrepaired." in html


# --- reopen --------------------------------------------------------------------------------


def test_reopen_voids_the_bill_and_the_next_close_takes_its_payments(
    ready_with_balance, manager, technician
):
    device, bill = ready_with_balance
    services.reopen_device(device=device, by=manager, reason="Fan noise came back")
    bill.refresh_from_db()
    assert bill.status == BillStatus.VOID
    assert bill.void_reason == "Fan noise came back"
    assert bill.voided_by == manager
    assert Payment.objects.get().bill is None
    device.refresh_from_db()
    assert device.status == DeviceStatus.ASSIGNED

    device.service.labour_charge = Decimal("2800")
    device.service.save()
    new_bill = services.bill_close(device=device, by=technician)
    assert new_bill.pk != bill.pk
    assert new_bill.amount_received == Decimal("2000.00")
    assert new_bill.balance == Decimal("800.00")
    assert Payment.objects.get().bill == new_bill
    assert Bill.objects.filter(device=device).count() == 2  # the void one is kept


def test_a_reopened_repair_keeps_the_extra_charges_and_offers_the_discount_again(
    ready_with_balance, manager, technician, client_for
):
    device, bill = ready_with_balance
    services.bill_correct(
        bill=bill,
        by=manager,
        reason="Backup asked at the counter",
        discount="100",
        add_lines=[{"description": "Data backup", "quantity": 1, "unit_price": "300"}],
    )
    client = client_for(manager)
    service_page = reverse("devices:service", args=[device.pk])
    before = client.get(service_page).content.decode()
    assert "Its extra charges go onto the next bill: Data backup (₹300.00)" in before
    assert "Its discount (₹100.00) is filled in again" in before

    services.reopen_device(device=device, by=manager, reason="Fan noise came back")
    after = client.get(service_page).content.decode()
    assert f"Reopened: bill {bill.number} was voided; its discount (₹100.00) is filled in" in after
    assert "its extra charges come over: Data backup (₹300.00)" in after
    assert 'name="discount" id="close-discount-' in after and 'value="100.00"' in after
    close_page = client.post(
        reverse("billing:close_device"), {"device": device.pk, "discount": "x"}
    )
    assert f'Data backup <span class="small text-secondary">· from bill {bill.number}' in (
        close_page.content.decode()
    )

    new_bill = services.bill_close(device=device, by=technician, discount="100")
    lines = list(new_bill.lines.values_list("kind", "description", "amount"))
    assert ("charge", "Data backup", Decimal("300.00")) in lines
    assert new_bill.subtotal == bill.subtotal + Decimal("300.00")
    assert new_bill.discount == Decimal("100.00")

    # Reopened again: the charge comes over once, from the last voided bill.
    services.reopen_device(device=device, by=manager, reason="Still noisy")
    third = services.bill_close(device=device, by=technician)
    assert [
        d for k, d, a in third.lines.values_list("kind", "description", "amount") if k == "charge"
    ] == ["Data backup"]


def test_only_managers_reopen(ready_with_balance, front_desk, client_for):
    device, _ = ready_with_balance
    with pytest.raises(PermissionDenied):
        services.reopen_device(device=device, by=front_desk, reason="x")
    response = client_for(front_desk).post(
        reverse("billing:reopen", args=[device.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.status == DeviceStatus.READY


def test_reopen_page_needs_a_reason(ready_with_balance, client_for, manager):
    device, _ = ready_with_balance
    response = client_for(manager).post(reverse("billing:reopen", args=[device.pk]), {"reason": ""})
    assert response.status_code == 200
    assert "Say why the repair is reopened" in response.content.decode()
    device.refresh_from_db()
    assert device.status == DeviceStatus.READY


# --- the delivery list ---------------------------------------------------------------------


def test_delivery_list_shows_bill_total_received_balance_and_days_waiting(
    ready_with_balance, client_for, front_desk
):
    device, bill = ready_with_balance
    html = client_for(front_desk).get(reverse("billing:delivery_ready")).content.decode()
    for text in (device.job_number, bill.number, "₹2,500.00", "₹2,000.00", "₹500.00", "today"):
        assert text in html


def test_the_locked_deliver_gives_one_reason_on_a_desktop_and_a_phone(
    ready_with_balance, client_for, front_desk
):
    html = client_for(front_desk).get(reverse("billing:delivery_ready")).content.decode()
    reason = "Collect the balance first; only a manager can deliver with a balance due."
    # Once as the desktop tooltip, once written out for a phone (no tooltip there).
    assert html.count(reason) == 2


def test_delivery_list_filters_balance_due(make_device, technician, front_desk, client_for):
    due = make_device(labour="400")
    paid = make_device(labour="300")
    services.bill_close(device=due, by=technician)
    services.bill_close(device=paid, by=technician)
    services.payment_record(device=paid, amount="300", mode="cash", by=front_desk)
    html = client_for(front_desk).get("/delivery_ready?balance=due").content.decode()
    assert due.job_number in html and paid.job_number not in html
    html = client_for(front_desk).get("/delivery_ready?balance=paid").content.decode()
    assert paid.job_number in html and due.job_number not in html


def test_delivery_list_query_count_does_not_grow_with_rows(
    make_device, technician, front_desk, client_for, django_assert_max_num_queries
):
    for _ in range(32):
        services.bill_close(device=make_device(labour="100"), by=technician)
    client = client_for(front_desk)
    client.get(reverse("billing:delivery_ready"))  # warm the session
    with django_assert_max_num_queries(10):
        response = client.get(reverse("billing:delivery_ready"))
    assert response.content.decode().count('<tbody id="delivery-') == 25


def test_a_manager_delivering_with_a_balance_is_told_what_to_tick(john_doe, manager, front_desk):
    device, _bill = john_doe
    with pytest.raises(ValidationError) as refused:
        services.delivery_complete(device=device, by=manager)
    assert "tick “Deliver with balance due”" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        services.delivery_complete(device=device, by=front_desk)
    assert "ask a manager" in refused.value.messages[0]


def test_a_reopen_with_nothing_to_carry_says_only_that_the_bill_was_voided(
    make_device, client_for, technician, manager
):
    device = make_device(labour="500")
    bill = services.bill_close(device=device, by=technician)
    services.reopen_device(device=device, by=manager, reason="Fan still noisy")
    page = client_for(manager).get(reverse("devices:service", args=[device.pk])).content.decode()
    assert f"Reopened: bill {bill.number} was voided." in page
    assert "A manager can change" not in page  # nothing came over to change


def test_the_reopen_page_of_a_delivered_device_does_not_promise_a_reopen(
    make_device, client_for, technician, manager
):
    device = make_device(labour="500")
    services.bill_close(device=device, by=technician)
    services.payment_record(device=device, amount="500", mode="cash", by=manager)
    services.delivery_complete(device=device, by=manager)
    page = client_for(manager).get(reverse("billing:reopen", args=[device.pk])).content.decode()
    assert "is voided with your reason" not in page
    assert "only a device that is ready (waiting for delivery) can be reopened" in page
