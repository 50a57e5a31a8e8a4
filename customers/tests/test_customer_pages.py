from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Bill, BillStatus
from customers.tests.factories import CustomerFactory
from devices.models import DeviceStatus
from devices.tests.factories import DeviceFactory

LIST = "/customers/"


def bill_for(device, *, value, received, seq, status=BillStatus.PARTLY_PAID):
    """A bill row as billing leaves it (only its totals matter here)."""
    return Bill.objects.create(
        device=device,
        number=f"TB/2026-27/{seq:05d}",
        financial_year="2026-27",
        sequence=seq,
        issued_by=device.added_by,
        subtotal=Decimal(value),
        bill_value=Decimal(value),
        amount_received=Decimal(received),
        status=status,
    )


def row_of(html, job_number):
    """The customer page's table row for one job."""
    return next(row for row in html.split("<tr>") if job_number in row)


def names(response):
    return [c.name for c in response.context["page"].object_list]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["98450 12345", "+91 98450 12345", "919845012345", "5012345"])
def test_list_search_by_number_in_any_form(typed, client_for, front_desk):
    CustomerFactory(name="John Doe", whatsapp_number="+919845012345")
    CustomerFactory(name="Other", whatsapp_number="+919900011122")
    assert names(client_for(front_desk).get(LIST, {"q": typed})) == ["John Doe"]


@pytest.mark.django_db
def test_list_search_by_name_and_empty_result_says_what_to_do(client_for, front_desk):
    CustomerFactory(name="Lakshmi Rao")
    CustomerFactory(name="Imran Khan")
    client = client_for(front_desk)
    assert names(client.get(LIST, {"q": "laksh"})) == ["Lakshmi Rao"]
    assert names(client.get(LIST, {"q": "rao lak"})) == ["Lakshmi Rao"]  # words in any order
    html = client.get(LIST, {"q": "zzz"}).content.decode()
    assert "No customer matches" in html and "Take a device in" in html


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"added_after": "2099-01-01"}, {"with_open": "1"}])
def test_a_filter_that_finds_nobody_says_so_not_no_customers_yet(client_for, front_desk, query):
    CustomerFactory(name="Lakshmi Rao")
    html = client_for(front_desk).get(LIST, query).content.decode()
    assert "No customer matches these filters" in html and "clear the filters" in html
    assert "No customers yet" not in html


@pytest.mark.django_db
def test_list_shows_computed_counts_and_money(client_for, front_desk, technician):
    john = CustomerFactory(name="John Doe")
    ready = DeviceFactory(customer=john, status=DeviceStatus.READY, assigned_to=technician)
    DeviceFactory(customer=john)  # taken in, waiting for a technician
    bill_for(ready, value="2500", received="2000", seq=1)
    void = DeviceFactory(customer=john, status=DeviceStatus.DELIVERED, assigned_to=technician)
    bill_for(void, value="999", received="0", seq=2, status=BillStatus.VOID)
    CustomerFactory(name="Zara")
    response = client_for(front_desk).get(LIST)
    rows = {c.name: c for c in response.context["page"].object_list}
    # In the shop: the one under repair and the one ready for collection, not the delivered.
    assert (rows["John Doe"].device_count, rows["John Doe"].open_count) == (3, 2)
    assert rows["John Doe"].billed == Decimal("2500.00")
    assert rows["John Doe"].balance == Decimal("500.00")
    assert rows["Zara"].billed is None and rows["Zara"].device_count == 0
    html = response.content.decode()
    assert "₹2,500.00" in html and "₹500.00" in html
    # The "in the shop" count opens the list of exactly those devices.
    link = f"/devices/?customer={john.pk}&amp;in_shop=1"
    assert link in html
    listed = client_for(front_desk).get(link.replace("&amp;", "&"))
    assert len(listed.context["rows"]) == rows["John Doe"].open_count


@pytest.mark.django_db
def test_with_open_filter_and_sorting(client_for, front_desk):
    a = CustomerFactory(name="Aarav")
    b = CustomerFactory(name="Bhavna")
    DeviceFactory(customer=b)
    DeviceFactory(customer=b)
    DeviceFactory(customer=a, status=DeviceStatus.RETURNED)
    DeviceFactory(customer=CustomerFactory(name="Chitra"), status=DeviceStatus.READY)
    client = client_for(front_desk)
    assert names(client.get(LIST, {"with_open": "1"})) == ["Bhavna", "Chitra"]
    assert names(client.get(LIST, {"sort": "devices"})) == ["Bhavna", "Aarav", "Chitra"]
    assert names(client.get(LIST)) == ["Aarav", "Bhavna", "Chitra"]


@pytest.mark.django_db
def test_list_paginates_and_query_count_does_not_grow(
    client_for, front_desk, django_assert_max_num_queries
):
    client = client_for(front_desk)
    client.get(LIST)
    for _ in range(5):
        DeviceFactory()
    with django_assert_max_num_queries(50) as small:
        client.get(LIST)
    for _ in range(35):
        DeviceFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(LIST)
    page = response.context["page"]
    assert len(page.object_list) == 25 and page.paginator.count == 40
    assert len(client.get(LIST, {"page": 2}).context["page"].object_list) == 15


@pytest.mark.django_db
def test_detail_shows_devices_totals_whatsapp_and_intake_button(client_for, front_desk, technician):
    john = CustomerFactory(name="John Doe", whatsapp_number="+919845012345")
    ready = DeviceFactory(
        customer=john, status=DeviceStatus.READY, assigned_to=technician, ready_at=timezone.now()
    )
    waiting = DeviceFactory(customer=john)
    other = DeviceFactory()
    bill_for(ready, value="2500", received="2000", seq=1)
    response = client_for(front_desk).get(f"/customers/{john.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ready.job_number in html and waiting.job_number in html
    assert other.job_number not in html
    assert "https://wa.me/919845012345" in html
    assert f"/add_device?customer={john.pk}" in html
    assert "₹2,500.00" in html and "₹500.00" in html


@pytest.mark.django_db
def test_detail_says_which_job_owes_and_counts_advances_not_billed_yet(
    client_for, front_desk, technician, manager
):
    from billing import services

    john = CustomerFactory(name="John Doe")
    owing = DeviceFactory(customer=john, status=DeviceStatus.READY, assigned_to=technician)
    bill = bill_for(owing, value="2500", received="2000", seq=1)
    paid = DeviceFactory(customer=john, status=DeviceStatus.DELIVERED, assigned_to=technician)
    bill_for(paid, value="900", received="900", seq=2, status=BillStatus.PAID)
    waiting = DeviceFactory(customer=john)
    services.payment_record(device=waiting, amount="500", mode="upi", by=front_desk)
    mistake = services.payment_record(device=waiting, amount="200", mode="cash", by=front_desk)
    services.payment_reverse(payment=mistake, by=manager, reason="Typed twice")

    response = client_for(front_desk).get(f"/customers/{john.pk}/")
    customer = response.context["customer"]
    assert customer.advance == Decimal("500.00")  # 700 paid ahead, 200 of it reversed
    html = response.content.decode()
    assert "Advance held, not billed yet: ₹500.00" in html
    rows = {d.pk: d for d in response.context["devices"]}
    assert [b.number for b in rows[owing.pk].live_bills] == [bill.number]
    assert rows[waiting.pk].live_bills == []
    row_html = {d.pk: row_of(html, d.job_number) for d in (owing, paid, waiting)}
    # Each job's row: its bill's value and what is due on it, or what was paid ahead on it.
    assert "₹2,500.00" in row_html[owing.pk] and "₹500.00 due" in row_html[owing.pk]
    assert "₹900.00" in row_html[paid.pk] and "paid" in row_html[paid.pk]
    assert " due" not in row_html[paid.pk]
    assert rows[waiting.pk].advance_held == Decimal("500.00")
    assert "Advance ₹500.00" in row_html[waiting.pk]
    assert rows[owing.pk].advance_held is None and "Advance" not in row_html[owing.pk]
    # The list says it too, for a customer whose only money is an advance.
    ravi = CustomerFactory(name="Ravi Kumar")
    services.payment_record(
        device=DeviceFactory(customer=ravi), amount="300", mode="cash", by=front_desk
    )
    listed = {c.name: c for c in client_for(front_desk).get(LIST).context["page"].object_list}
    assert listed["Ravi Kumar"].advance == Decimal("300.00") and listed["Ravi Kumar"].billed is None


@pytest.mark.django_db
def test_detail_of_a_missing_customer_is_404(client_for, front_desk):
    assert client_for(front_desk).get("/customers/999/").status_code == 404


@pytest.mark.django_db
def test_edit_link_only_for_managers(client_for, front_desk, manager):
    customer = CustomerFactory()
    url = f"/customers/{customer.pk}/"
    assert "Edit details" not in client_for(front_desk).get(url).content.decode()
    assert "Edit details" in client_for(manager).get(url).content.decode()


@pytest.mark.django_db
def test_detail_query_count_does_not_grow_with_devices(
    client_for, front_desk, django_assert_max_num_queries
):
    customer = CustomerFactory()
    client = client_for(front_desk)
    client.get(f"/customers/{customer.pk}/")
    DeviceFactory(customer=customer)
    with django_assert_max_num_queries(50) as small:
        client.get(f"/customers/{customer.pk}/")
    for _ in range(30):
        DeviceFactory(customer=customer)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/customers/{customer.pk}/")
