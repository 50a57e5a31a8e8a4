import datetime

import pytest
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from devices.models import DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory
from telite.forms_util import forget_kept_options

URL = "/devices/"
S = DeviceStatus


def listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [d.job_number for d in response.context["page"].object_list]


@pytest.fixture
def client(client_for, front_desk):
    return client_for(front_desk)


@pytest.mark.django_db
def test_columns_link_to_the_service_page_and_show_status(client, technician):
    device = DeviceFactory(status=S.ASSIGNED, assigned_to=technician)
    html = client.get(URL).content.decode()
    assert f'href="/service/{device.pk}"' in html
    assert "status-assigned" in html
    assert device.customer.name in html
    assert str(technician) in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["98450 12345", "+91 98450 12345", "919845012345", "45012345", "098450 123"]
)
def test_search_finds_a_customer_number_in_any_form(client, typed):
    wanted = DeviceFactory(customer=CustomerFactory(whatsapp_number="+919845012345"))
    DeviceFactory(customer=CustomerFactory(whatsapp_number="+919900011122"))
    assert listed(client, q=typed) == [wanted.job_number]


@pytest.mark.django_db
def test_search_by_job_number_name_and_serial(client):
    a = DeviceFactory(customer=CustomerFactory(name="Lakshmi Rao"), serial_number="CN-77X1")
    b = DeviceFactory(customer=CustomerFactory(name="Imran Khan"), serial_number="SN-0001")
    assert listed(client, q=a.job_number) == [a.job_number]
    assert listed(client, q="lakshmi") == [a.job_number]
    assert listed(client, q="cn-77") == [a.job_number]
    assert listed(client, q="imran") == [b.job_number]
    assert listed(client, q="nobody at all") == []


@pytest.mark.django_db
def test_the_end_of_a_job_number_as_printed_is_not_read_as_a_phone_number(client):
    devices = [
        DeviceFactory(customer=CustomerFactory(whatsapp_number=f"+91981234{n:04d}"))
        for n in range(1, 13)
    ]
    wanted = devices[-1]
    tail = wanted.job_number.rsplit("-", 1)[1]  # "00012", as on the slip
    # No customer's number holds that run, but several hold it without its zeros ("12").
    assert not [d for d in devices if tail in d.customer.whatsapp_number]
    assert listed(client, q=tail) == [wanted.job_number]


@pytest.mark.django_db
def test_filters_status_technician_customer(client, technician, other_technician):
    mine = DeviceFactory(status=S.ASSIGNED, assigned_to=technician)
    theirs = DeviceFactory(status=S.ASSIGNED, assigned_to=other_technician)
    waiting = DeviceFactory()
    assert listed(client, status="received") == [waiting.job_number]
    assert set(listed(client, status="assigned")) == {mine.job_number, theirs.job_number}
    assert listed(client, technician=technician.pk) == [mine.job_number]
    assert listed(client, customer=theirs.customer_id) == [theirs.job_number]


@pytest.mark.django_db
def test_received_date_range_uses_the_shop_day(client):
    today = timezone.localdate()
    old = DeviceFactory(
        received_at=timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=10), datetime.time(23, 30))
        )
    )
    new = DeviceFactory(
        received_at=timezone.make_aware(datetime.datetime.combine(today, datetime.time(0, 5)))
    )
    ten_days_ago = (today - datetime.timedelta(days=10)).isoformat()
    assert listed(client, received_after=today.isoformat()) == [new.job_number]
    assert listed(client, received_before=ten_days_ago) == [old.job_number]
    assert listed(client, received_after=ten_days_ago, received_before=ten_days_ago) == [
        old.job_number
    ]


@pytest.mark.django_db
def test_overdue_filter_and_red_due_date(client, technician):
    late = DeviceFactory(
        status=S.ASSIGNED,
        assigned_to=technician,
        expected_delivery_date=timezone.localdate() - datetime.timedelta(days=2),
    )
    DeviceFactory()  # due in 3 days
    DeviceFactory(
        status=S.READY,
        assigned_to=technician,
        expected_delivery_date=timezone.localdate() - datetime.timedelta(days=2),
    )  # ready is never overdue
    assert listed(client, overdue=1) == [late.job_number]
    assert "text-danger" in client.get(URL, {"overdue": 1}).content.decode()


@pytest.mark.django_db
def test_a_technician_sees_their_own_jobs_first_and_can_show_only_theirs(
    client_for, technician, other_technician
):
    now = timezone.now()
    mine = DeviceFactory(
        status=S.ASSIGNED, assigned_to=technician, received_at=now - datetime.timedelta(days=5)
    )
    newer = [
        DeviceFactory(
            status=S.ASSIGNED,
            assigned_to=other_technician,
            received_at=now - datetime.timedelta(hours=n),
        )
        for n in range(3)
    ]
    done = DeviceFactory(
        status=S.DELIVERED, assigned_to=technician, received_at=now - datetime.timedelta(days=9)
    )
    client = client_for(technician)
    order = listed(client)
    assert order[0] == mine.job_number
    # Then everything else newest first; a job already handed back is not pushed up.
    assert order[1:] == [d.job_number for d in newer] + [done.job_number]
    assert listed(client, mine=1) == [mine.job_number, done.job_number]


@pytest.mark.django_db
def test_others_see_the_newest_first(client):
    now = timezone.now()
    devices = [DeviceFactory(received_at=now - datetime.timedelta(hours=n)) for n in range(3)]
    assert listed(client) == [d.job_number for d in devices]


@pytest.mark.django_db
def test_pagination_keeps_the_filters(client):
    for _ in range(30):
        DeviceFactory()
    response = client.get(URL, {"status": "received"})
    page = response.context["page"]
    assert page.paginator.num_pages == 2
    assert len(page.object_list) == 25
    assert "status=received&amp;page=2" in response.content.decode()
    assert len(listed(client, status="received", page=2)) == 5


@pytest.mark.django_db
def test_bad_filter_values_do_not_break_the_page(client):
    DeviceFactory()
    response = client.get(
        URL, {"status": "bogus", "technician": "abc", "received_after": "31/31/2026", "page": "x"}
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_empty_list_says_what_to_do(client):
    html = client.get(URL).content.decode()
    assert "No devices yet" in html
    assert "Take the first device in" in html


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(client_for, technician, django_assert_max_num_queries):
    client = client_for(technician)
    params = {"q": "Pavilion", "status": "assigned"}
    for _ in range(5):
        DeviceFactory(status=S.ASSIGNED, assigned_to=technician, serial_number="Pavilion")
    client.get(URL)  # first request of the session: shop settings row, session
    # Both requests read the filter bar's technicians (the factories save users, which
    # empties the per-process list): the same work apart from the number of rows.
    forget_kept_options()
    with django_assert_max_num_queries(50) as small:
        assert len(client.get(URL, params).context["page"].object_list) == 5
    for _ in range(35):
        DeviceFactory(status=S.ASSIGNED, assigned_to=technician, serial_number="Pavilion")
    forget_kept_options()
    # More than a page: the rows, then the count (a page with room to spare is counted
    # from its own rows: one query less, telite.pagination).
    with django_assert_max_num_queries(len(small.captured_queries) + 1) as big:
        assert len(client.get(URL, params).context["page"].object_list) == 25
    assert len(big.captured_queries) == len(small.captured_queries) + 1
    for _ in range(60):
        DeviceFactory(status=S.ASSIGNED, assigned_to=technician, serial_number="Pavilion")
    forget_kept_options()
    with django_assert_max_num_queries(len(big.captured_queries)) as bigger:
        assert len(client.get(URL, params).context["page"].object_list) == 25
    assert len(bigger.captured_queries) == len(big.captured_queries)


@pytest.mark.django_db
def test_search_finds_a_device_by_its_bill_number(client, technician):
    from billing.services import bill_close

    billed = DeviceFactory(status=S.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=billed, labour_charge=500)
    bill = bill_close(device=billed, by=technician)
    DeviceFactory()
    assert listed(client, q=bill.number) == [billed.job_number]


@pytest.mark.django_db
def test_search_finds_a_device_by_its_brand_and_model_words_in_any_order(client):
    inspiron = DeviceFactory(brand="Dell", model="Inspiron 15 3511")
    latitude = DeviceFactory(brand="Dell", model="Latitude 3420")
    thinkpad = DeviceFactory(brand="Lenovo", model="ThinkPad E14")
    assert listed(client, q="thinkpad") == [thinkpad.job_number]
    assert set(listed(client, q="dell")) == {inspiron.job_number, latitude.job_number}
    assert listed(client, q="3511 dell") == [inspiron.job_number]
    assert listed(client, q="Dell Inspiron 15") == [inspiron.job_number]
    # Every word must be found: a brand with another brand's model is nobody's device.
    assert listed(client, q="lenovo inspiron") == []


@pytest.mark.django_db
def test_search_finds_a_name_by_parts_of_its_words_in_any_order(client):
    wanted = DeviceFactory(
        customer=CustomerFactory(name="Venkataramanaiah Subrahmanya Lakshminarasimha")
    )
    DeviceFactory(customer=CustomerFactory(name="Venkatesh Rao"))
    assert listed(client, q="Venkat Lakshmi") == [wanted.job_number]
    assert listed(client, q="lakshmi venkata") == [wanted.job_number]
