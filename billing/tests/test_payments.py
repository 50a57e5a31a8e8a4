"""Payments: positive, never above the balance, one payment per form however often posted."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import services
from billing.models import BillStatus, Payment
from devices.models import DeviceEvent, DeviceStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(make_device, technician):
    device = make_device(labour="2500")
    return device, services.bill_close(device=device, by=technician)


def test_payments_add_up_and_move_the_status(billed, front_desk):
    device, bill = billed
    services.payment_record(device=device, amount="1000", mode="cash", by=front_desk)
    bill.refresh_from_db()
    assert (bill.amount_received, bill.status) == (Decimal("1000.00"), BillStatus.PARTLY_PAID)
    services.payment_record(device=device, amount="1500", mode="card", by=front_desk)
    bill.refresh_from_db()
    assert (bill.amount_received, bill.balance, bill.status) == (
        Decimal("2500.00"),
        Decimal("0.00"),
        BillStatus.PAID,
    )
    assert bill.version == 3  # issued, then two payments: each change bumps the version
    assert device.events.filter(kind=DeviceEvent.Kind.PAYMENT).count() == 2


def test_a_payment_above_the_balance_is_refused_next_to_the_amount(billed, front_desk):
    device, bill = billed
    services.payment_record(device=device, amount="2000", mode="cash", by=front_desk)
    with pytest.raises(ValidationError) as refused:
        services.payment_record(device=device, amount="500.01", mode="cash", by=front_desk)
    assert "₹500.00" in refused.value.message_dict["amount"][0]
    bill.refresh_from_db()
    assert bill.amount_received == Decimal("2000.00")


def test_a_paid_bill_takes_no_more_money(billed, front_desk):
    device, _ = billed
    services.payment_record(device=device, amount="2500", mode="cash", by=front_desk)
    with pytest.raises(ValidationError, match="fully paid"):
        services.payment_record(device=device, amount="1", mode="cash", by=front_desk)


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "10000000000"])
def test_amounts_that_are_not_positive_money_are_refused(billed, front_desk, amount):
    device, _ = billed
    with pytest.raises(ValidationError) as refused:
        services.payment_record(device=device, amount=amount, mode="cash", by=front_desk)
    assert "amount" in refused.value.message_dict
    assert not Payment.objects.exists()


def test_an_unknown_mode_is_refused(billed, front_desk):
    device, _ = billed
    with pytest.raises(ValidationError):
        services.payment_record(device=device, amount="10", mode="cheque", by=front_desk)


def test_the_same_idempotency_key_records_one_payment(billed, front_desk):
    device, bill = billed
    key = uuid.uuid4()
    first = services.payment_record(
        device=device, amount="700", mode="upi", by=front_desk, idempotency_key=key
    )
    again = services.payment_record(
        device=device, amount="700", mode="upi", by=front_desk, idempotency_key=key
    )
    assert first.pk == again.pk
    bill.refresh_from_db()
    assert bill.amount_received == Decimal("700.00")


def test_a_key_from_another_devices_form_records_nothing_and_says_so(
    billed, make_device, client_for, front_desk
):
    device, bill = billed
    other = make_device()
    key = uuid.uuid4()
    services.payment_record(
        device=device, amount="700", mode="upi", by=front_desk, idempotency_key=key
    )
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[other.pk]), _form("10", key=key), follow=True
    )
    assert "out of date, so nothing was recorded" in response.content.decode()
    assert "received for" not in response.content.decode()
    assert list(Payment.objects.values_list("device_id", "amount")) == [
        (device.pk, Decimal("700.00"))
    ]


def test_an_advance_before_the_bill_has_no_bill_yet(make_device, front_desk):
    device = make_device(status=DeviceStatus.RECEIVED)
    payment = services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    assert payment.bill is None
    assert payment.is_advance


def test_advances_together_stay_within_what_a_bill_can_hold(make_device, front_desk, manager):
    from telite.money import MAX_AMOUNT

    device = make_device()
    services.payment_record(device=device, amount=MAX_AMOUNT, mode="cash", by=front_desk)
    with pytest.raises(ValidationError) as refused:
        services.payment_record(device=device, amount="1", mode="cash", by=front_desk)
    assert "more than a bill can hold" in refused.value.message_dict["amount"][0]
    assert Payment.objects.filter(device=device).count() == 1
    # What was taken can still be settled: returned unrepaired, the advance goes back.
    services.return_unrepaired(device=device, by=manager, reason="Typed by mistake")
    assert device.refunds.get().amount == MAX_AMOUNT


def test_a_device_handed_back_without_a_bill_takes_no_payment(make_device, front_desk):
    device = make_device(status=DeviceStatus.RECEIVED)
    services.return_unrepaired(device=device, by=front_desk, reason="Customer declined")
    with pytest.raises(ValidationError, match="no payment is due"):
        services.payment_record(device=device, amount="100", mode="cash", by=front_desk)


# --- the pages ----------------------------------------------------------------------------


def _form(amount, key=None, **extra):
    return {
        "amount": amount,
        "mode": "upi",
        "reference": "UTR123",
        "idempotency_key": str(key or uuid.uuid4()),
        **extra,
    }


def test_the_same_form_posted_twice_records_one_payment(billed, client_for, front_desk):
    device, bill = billed
    client = client_for(front_desk)
    url = reverse("billing:take_payment", args=[device.pk])
    data = _form("1200")
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert Payment.objects.count() == 1
    bill.refresh_from_db()
    assert bill.amount_received == Decimal("1200.00")


def test_a_payment_typed_with_rs_and_commas_records_that_amount(billed, client_for, front_desk):
    device, bill = billed
    client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]), _form("Rs. 1,200/-")
    )
    bill.refresh_from_db()
    assert bill.amount_received == Decimal("1200.00")


def test_an_over_balance_payment_page_shows_the_message_next_to_the_amount(
    billed, client_for, front_desk
):
    device, _ = billed
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]), _form("9000")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in html
    assert "more than the balance due (₹2,500.00)" in html
    assert 'value="9000' in html  # what was typed is kept
    assert not Payment.objects.exists()


def test_htmx_payment_from_the_delivery_list_returns_the_updated_row(
    billed, client_for, front_desk
):
    device, _ = billed
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        _form("2500", ctx="row"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<tbody")
    assert f'id="delivery-{device.pk}"' in html
    assert "Paid in full" in html
    assert "₹0.00" in html


def test_htmx_payment_from_the_delivery_list_updates_the_summary_cards(
    billed, make_device, technician, client_for, front_desk
):
    device, _ = billed
    other = make_device(labour="700")
    services.bill_close(device=other, by=technician)
    list_url = reverse("billing:delivery_ready")
    page = client_for(front_desk).get(list_url).content.decode()
    assert 'id="delivery-totals"' in page and "₹3,200.00" in page  # still due before
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        _form("1000", ctx="row"),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{list_url}"},
    )
    html = response.content.decode()
    totals = html[html.index('id="delivery-totals"') :]
    assert 'hx-swap-oob="true"' in totals
    assert "₹1,000.00" in totals and "₹2,200.00" in totals  # received, still due


def test_row_payment_totals_follow_the_filters_of_the_page(
    billed, make_device, technician, client_for, front_desk
):
    device, _ = billed
    other = make_device(labour="700")
    services.bill_close(device=other, by=technician)
    page_url = reverse("billing:delivery_ready") + f"?q={device.job_number}"
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        _form("1000", ctx="row"),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page_url}"},
    )
    totals = response.content.decode().split('id="delivery-totals"')[1]
    assert "₹2,500.00" in totals and "₹1,500.00" in totals  # billed, still due
    assert "₹3,200.00" not in totals  # the other device is filtered out


def test_a_row_payment_with_a_garbled_page_address_still_answers(billed, client_for, front_desk):
    # The address comes from a request header: a malformed one failed after the payment
    # was saved, and a clerk seeing an error could take the money twice.
    device, _ = billed
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        _form("1000", ctx="row"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://[::1"},
    )
    assert response.status_code == 200
    assert 'id="delivery-totals"' in response.content.decode()
    assert Payment.objects.get().amount == Decimal("1000.00")


def test_htmx_payment_error_reopens_the_row_form_with_the_message(billed, client_for, front_desk):
    device, _ = billed
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        _form("3000", ctx="row"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "collapse show" in html
    assert "more than the balance due" in html


def test_htmx_payment_from_the_device_panel_returns_the_panel(billed, client_for, manager):
    device, _ = billed
    response = client_for(manager).post(
        reverse("billing:take_payment", args=[device.pk]),
        _form("500", ctx="panel"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert f'id="billing-actions-{device.pk}"' in html
    assert "₹2,000.00" in html  # the new balance


def test_payment_page_starts_with_the_balance_due(billed, client_for, front_desk):
    device, _ = billed
    services.payment_record(device=device, amount="1000", mode="cash", by=front_desk)
    response = client_for(front_desk).get(reverse("billing:take_payment", args=[device.pk]))
    assert response.status_code == 200
    assert response.context["payment_form"]["amount"].value() == Decimal("1500.00")
    assert 'value="1500.00"' in response.content.decode()


def test_advance_page_starts_with_an_empty_amount(make_device, client_for, front_desk):
    device = make_device(labour="800")
    response = client_for(front_desk).get(reverse("billing:take_payment", args=[device.pk]))
    assert response.status_code == 200
    assert response.context["payment_form"]["amount"].value() is None


def test_payment_page_redirects_only_to_our_own_pages(billed, client_for, front_desk):
    device, _ = billed
    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        _form("10", next="https://evil.example/steal"),
    )
    assert response["Location"] == reverse("devices:service", args=[device.pk])


def test_the_delivery_list_renders_no_payment_form_until_one_is_asked_for(
    billed, client_for, front_desk
):
    device, _ = billed
    client = client_for(front_desk)
    page = client.get(reverse("billing:delivery_ready")).content.decode()
    row = page[page.index(f'id="delivery-{device.pk}"') :]
    assert 'name="idempotency_key"' not in page  # no form rendered per row
    pay_url = reverse("billing:take_payment", args=[device.pk])
    assert f'hx-get="{pay_url}?ctx=row"' in row  # "Take payment" fetches the form...
    assert f'href="{pay_url}"' in row  # ...or, without JavaScript, opens the payment page

    opened = client.get(pay_url + "?ctx=row", headers={"HX-Request": "true"}).content.decode()
    assert opened.strip().startswith(f'<tbody id="delivery-{device.pk}"')
    assert 'name="idempotency_key"' in opened
    assert 'value="2500.00"' in opened  # the balance due, filled in
    assert "hx-swap-oob" not in opened  # nothing else changed on the page
    again = client.get(pay_url + "?ctx=row", headers={"HX-Request": "true"}).content.decode()
    key = 'name="idempotency_key" value="'
    assert opened.split(key)[1][:36] != again.split(key)[1][:36]  # each form its own key


@pytest.mark.parametrize("ctx", ["row", "panel", ""])
def test_a_payment_refused_because_the_bill_was_settled_meanwhile_says_nothing_was_recorded(
    john_doe, client_for, front_desk, ctx
):
    # Another clerk takes the ₹500 balance while this one's form is open.
    device, bill = john_doe
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)
    payments = Payment.objects.count()

    response = client_for(front_desk).post(
        reverse("billing:take_payment", args=[device.pk]),
        {"amount": "500", "mode": "cash", "ctx": ctx, "idempotency_key": str(uuid.uuid4())},
        **({"HTTP_HX_REQUEST": "true"} if ctx else {}),
    )

    assert Payment.objects.count() == payments
    html = response.content.decode()
    assert f"Nothing was recorded. Bill {bill.number} is fully paid" in html
