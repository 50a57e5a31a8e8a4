"""A manager takes back a payment entered by mistake: the money received, the timeline, the
bill and the day's totals all say so; the payment stays on record."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import BillStatus, Payment, Refund
from devices.models import DeviceEvent
from telite.money import format_money

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(make_device, technician):
    device = make_device(labour="5000")
    return device, services.bill_close(device=device, by=technician)


def test_a_manager_reverses_a_mistyped_payment_and_the_balance_is_due_again(
    billed, client_for, front_desk, manager
):
    device, bill = billed
    wrong = services.payment_record(device=device, amount="5000", mode="cash", by=front_desk)
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID

    response = client_for(manager).post(
        reverse("billing:reverse_payment", args=[wrong.pk]),
        {"reason": "Was UPI, entered as cash"},
        follow=True,
    )

    assert "is reversed. Take the right payment now" in response.content.decode()
    bill.refresh_from_db()
    assert (bill.amount_received, bill.balance, bill.status) == (
        Decimal("0.00"),
        Decimal("5000.00"),
        BillStatus.OPEN,
    )
    assert Payment.objects.filter(pk=wrong.pk).exists()  # kept on record
    reversal = Refund.objects.get(reverses=wrong)
    assert (reversal.amount, reversal.mode, reversal.refunded_by) == (
        Decimal("5000.00"),
        "cash",
        manager,
    )
    event = device.events.get(kind=DeviceEvent.Kind.PAYMENT_REVERSED)
    assert event.by == manager
    assert "taken by" in event.note and "Was UPI, entered as cash" in event.note
    # The right payment is then taken as usual and settles the bill.
    services.payment_record(device=device, amount="5000", mode="upi", by=front_desk)
    bill.refresh_from_db()
    assert (bill.amount_received, bill.status) == (Decimal("5000.00"), BillStatus.PAID)


def test_the_customers_bill_shows_only_the_payments_that_stand(
    billed, client_for, front_desk, manager
):
    # The mistake and the manager's reason (which may name another customer's job) stay on
    # the timeline and the payments list, not on the customer's copy.
    device, bill = billed
    good = services.payment_record(device=device, amount="1200", mode="upi", by=front_desk)
    wrong = services.payment_record(device=device, amount="700", mode="cash", by=front_desk)
    services.payment_reverse(payment=wrong, by=manager, reason="Belongs to J-2026-00009")
    html = client_for(front_desk).get(reverse("billing:print_bill", args=[device.pk])).text
    assert "₹1,200.00" in html  # the payment that stands
    assert "₹700.00" not in html and "J-2026-00009" not in html and "Reversal" not in html
    bill.refresh_from_db()
    assert bill.amount_received == good.amount


def test_a_mode_fixed_by_a_reversal_counts_under_the_right_mode_only(
    billed, client_for, front_desk, manager
):
    # ₹5,000 paid by UPI but entered as cash: reversed, then taken again as UPI.
    device, bill = billed
    wrong = services.payment_record(device=device, amount="5000", mode="cash", by=front_desk)
    services.payment_reverse(payment=wrong, by=manager, reason="Was UPI")
    services.payment_record(device=device, amount="5000", mode="upi", by=front_desk)
    client = client_for(manager)
    totals = client.get(reverse("billing:payment_list")).context["totals"]
    by_mode = {m["mode"]: (m["total"], m["count"]) for m in totals["modes"]}
    assert by_mode["cash"] == (Decimal("0.00"), 1)  # one entry, but the drawer took nothing
    assert by_mode["upi"] == (Decimal("5000.00"), 1)
    assert (totals["received"], totals["refunded"], totals["net"]) == (
        Decimal("5000.00"),
        Decimal("0.00"),  # no money was handed back
        Decimal("5000.00"),
    )
    # The dashboard's card: the corrected takings, and no refund beside them.
    from telite.dashboard import payments_today

    today = payments_today(today=timezone.localdate())
    assert (today["count"], today["amount"], today["refunded"]) == (2, Decimal("5000.00"), None)


def test_only_a_manager_reverses_a_payment(billed, front_desk):
    device, _ = billed
    payment = services.payment_record(device=device, amount="100", mode="cash", by=front_desk)
    with pytest.raises(PermissionDenied):
        services.payment_reverse(payment=payment, by=front_desk, reason="Oops")
    assert not Refund.objects.exists()


def test_a_payment_is_reversed_once(billed, client_for, front_desk, manager):
    device, bill = billed
    payment = services.payment_record(device=device, amount="100", mode="cash", by=front_desk)
    services.payment_reverse(payment=payment, by=manager, reason="Oops")
    with pytest.raises(ValidationError, match="already been reversed"):
        services.payment_reverse(payment=payment, by=manager, reason="Oops again")
    page = client_for(manager).get(reverse("billing:reverse_payment", args=[payment.pk])).text
    assert "Already reversed" in page and 'name="reason"' not in page
    bill.refresh_from_db()
    assert bill.amount_received == Decimal("0.00")


def test_a_reason_is_needed_and_asked_for_next_to_the_field(
    billed, client_for, front_desk, manager
):
    device, _ = billed
    payment = services.payment_record(device=device, amount="100", mode="cash", by=front_desk)
    response = client_for(manager).post(
        reverse("billing:reverse_payment", args=[payment.pk]), {"reason": "  "}
    )
    assert response.status_code == 200
    assert "Say why the payment is reversed" in response.text
    assert not Refund.objects.exists()


def test_a_reversed_advance_is_not_billed_at_close(make_device, technician, front_desk, manager):
    device = make_device(labour="800")
    advance = services.payment_record(device=device, amount="500", mode="upi", by=front_desk)
    services.payment_reverse(payment=advance, by=manager, reason="Customer paid nothing")
    assert services.unbilled_money(device) == Decimal("0.00")
    bill = services.bill_close(device=device, by=technician)
    assert (bill.amount_received, bill.balance) == (Decimal("0.00"), Decimal("800.00"))


def test_money_already_refunded_cannot_be_reversed(make_device, technician, front_desk, manager):
    # ₹1,000 advance, ₹300 bill, ₹700 handed back: only ₹300 of that payment is still held.
    device = make_device(labour="300")
    advance = services.payment_record(device=device, amount="1000", mode="cash", by=front_desk)
    bill = services.bill_close(device=device, by=technician, refund_excess=True)
    with pytest.raises(ValidationError, match="Only ₹300.00 of this money is still held"):
        services.payment_reverse(payment=advance, by=manager, reason="Mistyped")
    bill.refresh_from_db()
    assert bill.amount_received == Decimal("300.00")


def test_managers_see_reverse_links_staff_do_not(
    billed, make_device, client_for, front_desk, manager
):
    device, _ = billed
    payment = services.payment_record(device=device, amount="100", mode="cash", by=front_desk)
    # Another job's payment, which the job's own list must leave out.
    other = make_device()
    services.payment_record(device=other, amount="70", mode="cash", by=front_desk)
    link = reverse("billing:reverse_payment", args=[payment.pk])
    jobs_payments = f"{reverse('billing:payment_list')}?device={device.pk}"
    bill_page = reverse("billing:print_bill", args=[device.pk])
    assert jobs_payments in client_for(manager).get(bill_page).text
    assert jobs_payments not in client_for(front_desk).get(bill_page).text
    listed = client_for(manager).get(jobs_payments)
    assert link in listed.text and device.job_number in listed.text
    assert [p.pk for p in listed.context["page"].object_list] == [payment.pk]
    assert link not in client_for(front_desk).get(jobs_payments).text


def test_a_refund_goes_back_by_the_mode_of_an_advance_that_was_not_reversed(
    make_device, client_for, front_desk, manager
):
    device = make_device(labour="500")
    services.payment_record(device=device, amount="2000", mode="upi", by=front_desk)
    mistake = services.payment_record(device=device, amount="700", mode="cash", by=front_desk)
    services.payment_reverse(payment=mistake, by=manager, reason="Entered twice")
    assert services.advance_mode(device) == "upi"


def test_a_slip_counts_only_the_advances_that_stand(make_device, client_for, front_desk, manager):
    device = make_device(labour="0")
    wrong = services.payment_record(device=device, amount="500", mode="upi", by=front_desk)
    services.payment_reverse(payment=wrong, by=manager, reason="Wrong device")
    services.payment_record(device=device, amount="400", mode="upi", by=front_desk)
    slip = client_for(front_desk).get(reverse("devices:slip", args=[device.pk])).text
    assert "₹400.00" in slip and "₹900.00" not in slip and "₹500.00" not in slip


def test_a_refund_defaults_to_the_mode_of_the_largest_advance(make_device, front_desk):
    device = make_device(labour="0")
    services.payment_record(device=device, amount="1500", mode="cash", by=front_desk)
    services.payment_record(device=device, amount="100", mode="upi", by=front_desk)
    assert services.advance_mode(device) == "cash"


def test_returning_offers_the_refund_by_the_advances_mode(make_device, client_for, front_desk):
    device = make_device(labour="0")
    services.payment_record(device=device, amount="400", mode="upi", by=front_desk)
    client = client_for(front_desk)
    for url in (
        reverse("devices:service", args=[device.pk]),
        reverse("billing:return_device", args=[device.pk]),
    ):
        html = client.get(url).text
        assert re.search(r'name="refund_mode"[^>]*>.*?<option value="upi" selected', html, re.S)


def test_reversing_on_a_handed_back_device_warns_of_the_money_now_owed(
    billed, client_for, front_desk, manager
):
    device, bill = billed
    paid = services.payment_record(device=device, amount="5000", mode="upi", by=front_desk)
    services.delivery_complete(device=device, by=front_desk)
    client = client_for(manager)
    page = client.get(reverse("billing:reverse_payment", args=[paid.pk])).text
    assert "has already been handed back" in page
    done = client.post(
        reverse("billing:reverse_payment", args=[paid.pk]), {"reason": "Bounced"}, follow=True
    ).text
    assert "was already handed back" in done and "now owes this money" in done


def test_a_manager_reaches_an_advance_to_reverse_from_the_device_page(
    make_device, client_for, front_desk, manager
):
    device = make_device(labour="0")
    advance = services.payment_record(device=device, amount="500", mode="upi", by=front_desk)
    jobs_payments = f"{reverse('billing:payment_list')}?device={device.pk}"
    service_page = reverse("devices:service", args=[device.pk])
    assert jobs_payments in client_for(manager).get(service_page).text
    assert jobs_payments not in client_for(front_desk).get(service_page).text
    other = services.payment_record(device=make_device(), amount="70", mode="cash", by=front_desk)
    listed = client_for(manager).get(jobs_payments)
    assert reverse("billing:reverse_payment", args=[advance.pk]) in listed.text
    assert [p.pk for p in listed.context["page"].object_list] == [advance.pk]
    assert reverse("billing:reverse_payment", args=[other.pk]) not in listed.text


def test_the_reverse_page_says_up_front_when_refunded_money_cannot_be_taken_back(
    make_device, client_for, technician, front_desk, manager
):
    device = make_device(labour="300")
    advance = services.payment_record(device=device, amount="1000", mode="cash", by=front_desk)
    services.bill_close(device=device, by=technician, refund_excess=True)
    url = reverse("billing:reverse_payment", args=[advance.pk])
    page = client_for(manager).get(url).text
    assert "cannot be reversed" in page and "Only ₹300.00 of this money is still held" in page
    # No reason box to fill in for nothing.
    assert 'name="reason"' not in page
    response = client_for(manager).post(url, {"reason": "Mistyped"})
    assert response.status_code == 200 and "cannot be reversed" in response.text
    assert not Refund.objects.filter(reverses=advance).exists()


def test_the_device_panel_counts_only_the_advances_that_stand(
    make_device, client_for, front_desk, manager
):
    device = make_device(labour="800")
    kept = services.payment_record(device=device, amount="300", mode="cash", by=front_desk)
    wrong = services.payment_record(device=device, amount="900", mode="upi", by=front_desk)
    services.payment_reverse(payment=wrong, by=manager, reason="Belonged to another job")
    page = client_for(front_desk).get(reverse("devices:service", args=[device.pk]))
    assert page.context["advance_held"] == kept.amount
    assert f'Advance paid: <strong class="money">{format_money(kept.amount)}</strong>' in page.text
    # ₹300 against ₹800 of work: nothing to hand back, so no refund is offered.
    assert "refund the difference" not in page.text
