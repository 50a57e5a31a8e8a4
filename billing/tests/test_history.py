"""Closed-devices history and the payments list: filters, search, pages, fixed queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Payment, Refund
from customers.tests.factories import CustomerFactory
from devices.models import Device, DeviceStatus

pytestmark = pytest.mark.django_db

URL = "/closed_devices"


def _rows(response):
    return response.context["rows"]


def _jobs(response):
    return {row["device"].job_number for row in _rows(response)}


@pytest.fixture
def history(make_device, technician, other_technician, front_desk, manager):
    """A ready device (Ravi's customer), a delivered one, a returned one, an open one."""
    ravi = CustomerFactory(name="Ravi Kumar", whatsapp_number="+91 98450 22222")
    ready = make_device(labour="1000", customer=ravi, serial_number="SER-READY-1")
    ready_bill = services.bill_close(device=ready, by=technician)
    delivered = make_device(labour="600", assigned_to=other_technician)
    services.bill_close(device=delivered, by=other_technician)
    services.payment_record(device=delivered, amount="600", mode="cash", by=front_desk)
    services.delivery_complete(device=delivered, by=front_desk)
    returned = make_device(status=DeviceStatus.RECEIVED)
    services.return_unrepaired(device=returned, by=front_desk, reason="Declined")
    open_device = make_device(labour="50")
    return {
        "ready": ready,
        "ready_bill": ready_bill,
        "delivered": delivered,
        "returned": returned,
        "open": open_device,
        "ravi": ravi,
    }


def test_history_lists_closed_delivered_and_returned_devices_only(history, client_for, front_desk):
    jobs = _jobs(client_for(front_desk).get(URL))
    assert jobs == {history[k].job_number for k in ("ready", "delivered", "returned")}


@pytest.mark.parametrize(
    "status, key", [("ready", "ready"), ("delivered", "delivered"), ("returned", "returned")]
)
def test_history_filters_by_status(history, client_for, front_desk, status, key):
    assert _jobs(client_for(front_desk).get(URL, {"status": status})) == {history[key].job_number}


def test_history_filters_by_technician_and_customer(
    history, client_for, front_desk, other_technician
):
    client = client_for(front_desk)
    by_tech = _jobs(client.get(URL, {"technician": other_technician.pk}))
    assert by_tech == {history["delivered"].job_number}
    response = client.get(URL, {"customer": history["ravi"].pk})
    assert _jobs(response) == {history["ready"].job_number}
    assert "Showing only" in response.content.decode()


def test_history_finds_the_jobs_of_a_technician_who_has_left(
    history, client_for, front_desk, technician, other_technician
):
    technician.is_active = False  # Arun has left; Meena, after him by name, still works here
    technician.save()
    client = client_for(front_desk)
    choices = client.get(URL).context["filter"].form.fields["technician"].choices
    offered = [str(value) for value, _label in choices if value]
    # Still working first, then those who have left: all of them, since history is theirs.
    assert offered.index(str(other_technician.pk)) < offered.index(str(technician.pk))
    by_tech = _jobs(client.get(URL, {"technician": technician.pk}))
    assert history["ready"].job_number in by_tech
    # Only theirs: the filter is applied, not ignored.
    owners = set(
        Device.objects.filter(job_number__in=by_tech).values_list("assigned_to", flat=True)
    )
    assert owners == {technician.pk}


def test_history_filters_by_closed_date(history, client_for, front_desk):
    Device.objects.filter(pk=history["delivered"].pk).update(
        ready_at=timezone.now() - datetime.timedelta(days=10)
    )
    today = timezone.localdate()
    client = client_for(front_desk)
    recent = _jobs(client.get(URL, {"closed_after": today.isoformat()}))
    assert history["delivered"].job_number not in recent
    assert history["ready"].job_number in recent
    older = _jobs(
        client.get(URL, {"closed_before": (today - datetime.timedelta(days=5)).isoformat()})
    )
    assert older == {history["delivered"].job_number}


@pytest.mark.parametrize(
    "query",
    [
        "98450 22222",
        "+91 98450 22222",
        "919845022222",
        "9845022222",
        "ravi kum",
        "SER-READY",
        "TB/",
    ],
)
def test_history_search_finds_by_whatsapp_in_any_form_name_serial_and_bill(
    history, client_for, front_desk, query
):
    jobs = _jobs(client_for(front_desk).get(URL, {"q": query}))
    assert history["ready"].job_number in jobs
    if query != "TB/":
        assert jobs == {history["ready"].job_number}


def test_history_search_by_job_and_bill_number(history, client_for, front_desk):
    client = client_for(front_desk)
    assert _jobs(client.get(URL, {"q": history["ready"].job_number})) == {
        history["ready"].job_number
    }
    number = history["ready_bill"].number
    assert _jobs(client.get(URL, {"q": number})) == {history["ready"].job_number}


def test_history_shows_amounts_and_totals_of_what_was_filtered(history, client_for, front_desk):
    response = client_for(front_desk).get(URL, {"closed_after": "2000-01-01"})
    html = response.content.decode()
    assert "₹1,000.00" in html and "₹600.00" in html
    totals = response.context["totals"]
    assert (totals["billed"], totals["received"], totals["due"]) == (
        Decimal("1600.00"),
        Decimal("600.00"),
        Decimal("1000.00"),
    )


def test_history_has_an_empty_state_that_says_what_to_do(client_for, front_desk):
    html = client_for(front_desk).get(URL).content.decode()
    assert "No device has been closed yet" in html


def test_history_pages_and_keeps_filters_with_a_fixed_number_of_queries(
    make_device, technician, front_desk, client_for, django_assert_max_num_queries
):
    for _ in range(35):
        services.bill_close(device=make_device(labour="250"), by=technician)
    client = client_for(front_desk)
    client.get(URL)
    with django_assert_max_num_queries(9):
        first = client.get(URL, {"status": "ready"})
    assert len(_rows(first)) == 25
    assert "status=ready&amp;page=2" in first.content.decode()
    with django_assert_max_num_queries(9):
        second = client.get(URL, {"status": "ready", "page": 2})
    assert len(_rows(second)) == 10


# --- payments --------------------------------------------------------------------------------


@pytest.fixture
def payments_made(make_device, front_desk):
    devices = [make_device(status=DeviceStatus.RECEIVED) for _ in range(3)]
    cash = services.payment_record(device=devices[0], amount="500", mode="cash", by=front_desk)
    upi = services.payment_record(device=devices[1], amount="1250.50", mode="upi", by=front_desk)
    old = services.payment_record(device=devices[2], amount="300", mode="cash", by=front_desk)
    Payment.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=40)
    )
    return {"cash": cash, "upi": upi, "old": old}


def test_payment_list_totals_the_filtered_period(payments_made, client_for, front_desk):
    client = client_for(front_desk)
    url = reverse("billing:payment_list")
    everything = client.get(url).context["totals"]
    assert everything["received"] == Decimal("2050.50")
    today = timezone.localdate().isoformat()
    recent = client.get(url, {"received_after": today, "received_before": today})
    assert recent.context["totals"]["received"] == Decimal("1750.50")
    assert recent.context["totals"]["count"] == 2
    cash_today = client.get(url, {"received_after": today, "mode": "cash"}).context["totals"]
    assert cash_today["received"] == Decimal("500.00")
    assert "₹1,750.50" in recent.content.decode()


def test_payment_list_finds_one_customers_payments_by_job_name_number_or_reference(
    make_device, client_for, front_desk
):
    from customers.tests.factories import CustomerFactory

    meena = CustomerFactory(name="Meena Iyer", whatsapp_number="+919845011111")
    hers = make_device(status=DeviceStatus.RECEIVED, customer=meena)
    other = make_device(status=DeviceStatus.RECEIVED)
    mine = services.payment_record(device=hers, amount="400", mode="cash", by=front_desk)
    upi = services.payment_record(
        device=hers, amount="600", mode="upi", reference="UTR 4471 9920", by=front_desk
    )
    services.payment_record(device=other, amount="999", mode="cash", by=front_desk)
    client = client_for(front_desk)
    url = reverse("billing:payment_list")
    for typed in ["meena", "98450 11111", hers.job_number]:
        response = client.get(url, {"q": typed})
        assert {p.pk for p in response.context["page"].object_list} == {mine.pk, upi.pk}
        assert response.context["totals"]["received"] == mine.amount + upi.amount
    by_reference = client.get(url, {"q": "4471"}).context["page"].object_list
    assert [p.pk for p in by_reference] == [upi.pk]


def test_a_payment_found_by_its_reference_is_netted_off_by_its_reversal(
    make_device, client_for, front_desk, manager
):
    device = make_device(status=DeviceStatus.RECEIVED)
    wrong = services.payment_record(
        device=device, amount="600", mode="upi", reference="UTR 4471 9920", by=front_desk
    )
    services.payment_reverse(payment=wrong, by=manager, reason="Typed twice")
    url = reverse("billing:payment_list")
    for typed in ("4471", device.job_number):
        totals = client_for(manager).get(url, {"q": typed}).context["totals"]
        # Nothing was received: the only payment was taken back.
        assert (totals["received"], totals["reversed"]) == (0, wrong.amount), typed


def test_payment_list_nets_refunds_off_what_was_received(make_device, client_for, front_desk):
    from telite.money import format_money

    kept = make_device(status=DeviceStatus.RECEIVED)
    paid = services.payment_record(device=kept, amount="1200", mode="cash", by=front_desk)
    returned = make_device(status=DeviceStatus.RECEIVED)
    advance = services.payment_record(device=returned, amount="450", mode="cash", by=front_desk)
    services.return_unrepaired(
        device=returned, by=front_desk, reason="Declined", inspection_charge="100"
    )
    refund = Refund.objects.get(device=returned)
    response = client_for(front_desk).get(reverse("billing:payment_list"))
    totals = response.context["totals"]
    received = paid.amount + advance.amount
    assert (totals["received"], totals["refunded"]) == (received, refund.amount)
    assert totals["net"] == received - refund.amount
    assert f"net <strong>{format_money(received - refund.amount)}</strong>" in response.text
    # The cash card says what the drawer should hold: the cash taken less the cash handed back.
    cash = next(m for m in totals["modes"] if m["mode"] == "cash")
    assert (cash["refunded"], cash["net"]) == (refund.amount, cash["total"] - refund.amount)
    assert f'net <strong class="text-body">{format_money(cash["net"])}</strong>' in response.text


def test_payment_list_query_count_does_not_grow_with_rows(
    make_device, front_desk, client_for, django_assert_max_num_queries
):
    for _ in range(32):
        services.payment_record(
            device=make_device(status=DeviceStatus.RECEIVED), amount="99", mode="upi", by=front_desk
        )
    client = client_for(front_desk)
    client.get(reverse("billing:payment_list"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("billing:payment_list"))
    assert len(response.context["page"].object_list) == 25
    assert response.context["totals"]["received"] == 32 * Decimal("99.00")


def test_unfiltered_history_does_not_sum_all_of_history(history, client_for, front_desk):
    response = client_for(front_desk).get(URL)
    assert response.context["totals"] is None
    assert "Filter by dates, status or customer" in response.content.decode()


def test_history_finds_money_still_owed_on_devices_already_handed_back(
    history, make_device, technician, client_for, manager
):
    owed = make_device(labour="900")
    services.bill_close(device=owed, by=technician)
    services.delivery_complete(
        device=owed, by=manager, allow_balance_due=True, reason="Pays on Friday"
    )
    response = client_for(manager).get(URL, {"status": "delivered", "balance": "due"})
    assert _jobs(response) == {owed.job_number}  # not the delivered one that was paid
    assert response.context["totals"]["due"] == Decimal("900.00")
    paid = client_for(manager).get(URL, {"status": "delivered", "balance": "paid"})
    assert _jobs(paid) == {history["delivered"].job_number}


def test_paid_in_full_leaves_out_devices_handed_back_with_no_bill(history, client_for, manager):
    # "returned" went back unrepaired with no charge: it has no bill to be paid.
    paid = client_for(manager).get(URL, {"balance": "paid"})
    assert _jobs(paid) == {history["delivered"].job_number}
