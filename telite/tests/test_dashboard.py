import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.tests.factories import UserFactory
from billing.models import Bill, BillStatus, Payment, PaymentMode, Refund
from crm.models import LeadStatus
from crm.tests.factories import LeadFactory
from customers.tests.factories import CustomerFactory
from devices.models import Device, DeviceStatus
from devices.tests.factories import DeviceFactory
from telite.dashboard import dashboard_context

pytestmark = pytest.mark.django_db

S = DeviceStatus
DAY = datetime.timedelta(days=1)


def _local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def today():
    return timezone.localdate()


def _bill(device, *, number, at, value, by, status=BillStatus.OPEN):
    return Bill.objects.create(
        device=device,
        number=f"TB/TEST/{number:05d}",
        financial_year="TEST",
        sequence=number,
        issued_at=at,
        issued_by=by,
        subtotal=Decimal(value),
        bill_value=Decimal(value),
        status=status,
    )


def _payment(device, *, at, amount, by):
    return Payment.objects.create(
        device=device, amount=Decimal(amount), mode=PaymentMode.UPI, received_by=by, received_at=at
    )


@pytest.fixture
def shop_day(today, technician, other_technician, manager):
    """Devices in every state, bills and payments today and yesterday, leads by follow-up."""
    late = today - 2 * DAY
    soon = today + 2 * DAY
    devices = {
        "received": DeviceFactory(status=S.RECEIVED, expected_delivery_date=soon),
        "received_late": DeviceFactory(status=S.RECEIVED, expected_delivery_date=late),
        "mine_late": DeviceFactory(
            status=S.ASSIGNED, assigned_to=technician, expected_delivery_date=late
        ),
        "mine_today": DeviceFactory(
            status=S.ASSIGNED, assigned_to=technician, expected_delivery_date=today
        ),
        "theirs": DeviceFactory(
            status=S.ASSIGNED, assigned_to=other_technician, expected_delivery_date=soon
        ),
        "ready_today": DeviceFactory(
            status=S.READY,
            assigned_to=technician,
            expected_delivery_date=late,
            ready_at=_local(today, 0, 5),
        ),
        "delivered_closed_yesterday": DeviceFactory(
            status=S.DELIVERED,
            assigned_to=other_technician,
            expected_delivery_date=late,
            ready_at=_local(today - DAY, 23, 55),
            delivered_at=_local(today, 10),
        ),
        "returned": DeviceFactory(
            status=S.RETURNED, expected_delivery_date=late, returned_at=_local(today, 9)
        ),
    }
    _bill(devices["ready_today"], number=1, at=_local(today, 0, 5), value="2500.00", by=manager)
    _bill(devices["received"], number=2, at=_local(today, 11), value="1200.50", by=manager)
    _bill(
        devices["theirs"],
        number=3,
        at=_local(today, 12),
        value="999.00",
        by=manager,
        status=BillStatus.VOID,
    )
    _bill(
        devices["delivered_closed_yesterday"],
        number=4,
        at=_local(today - DAY, 23, 55),
        value="4000.00",
        by=manager,
    )
    _payment(devices["ready_today"], at=_local(today, 0, 0), amount="2000.00", by=manager)
    _payment(devices["received"], at=_local(today, 15), amount="500.25", by=manager)
    _payment(devices["theirs"], at=_local(today - DAY, 23, 59), amount="700.00", by=manager)

    LeadFactory(status=LeadStatus.NEW, follow_up_date=today)
    LeadFactory(status=LeadStatus.CONTACTED, follow_up_date=today - 3 * DAY)
    LeadFactory(status=LeadStatus.QUALIFIED, follow_up_date=today + DAY)
    LeadFactory(status=LeadStatus.QUALIFIED)
    LeadFactory(status=LeadStatus.WON, follow_up_date=today)
    LeadFactory(status=LeadStatus.LOST, follow_up_date=today - DAY)
    return devices


def _cards(context) -> dict:
    return {card["label"]: card for section in context["sections"] for card in section["cards"]}


# --- figures ------------------------------------------------------------------------------


def test_device_cards_count_every_state(shop_day, front_desk):
    cards = _cards(dashboard_context(front_desk))
    assert cards["Unassigned"]["value"] == 2
    assert cards["In repair"]["value"] == 3
    assert cards["Delivery pending"]["value"] == 1
    # Open and past the promised date: a received and an assigned device; ready,
    # delivered and returned devices are never overdue.
    assert cards["Overdue"]["value"] == 2


def test_closed_today_uses_the_shop_day_and_counts_repaired_and_returned_devices(
    shop_day, front_desk
):
    context = dashboard_context(front_desk)
    cards = _cards(context)
    # Ready at 00:05 today and returned unrepaired at 09:00 count; ready at 23:55
    # yesterday does not (it counts in the total).
    assert cards["Closed today"]["value"] == 2
    assert context["devices"]["closed_total"] == 3
    assert cards["Closed today"]["extra_label"] == "3 closed in total"


def test_the_closed_figures_match_the_lists_they_open(shop_day, front_desk, client_for):
    # The card's number is the number of rows its link shows, today and in total.
    context = dashboard_context(front_desk)
    card = _cards(context)["Closed today"]
    client = client_for(front_desk)

    for url, figure in [
        (card["url"], card["value"]),
        (card["extra_url"], context["devices"]["closed_total"]),
    ]:
        listed = client.get(url).context["page"].paginator.count
        assert listed == figure, url


def test_bills_today_count_and_amount_leave_out_yesterday_and_void(shop_day, front_desk):
    card = _cards(dashboard_context(front_desk))["Bills today"]
    assert card["value"] == 2
    assert card["amount"] == Decimal("3700.50")


def test_payments_today_count_and_amount_from_midnight(shop_day, front_desk):
    card = _cards(dashboard_context(front_desk))["Payments today"]
    # 00:00 today counts, 23:59 yesterday does not.
    assert card["value"] == 2
    assert card["amount"] == Decimal("2500.25")


def test_payments_today_show_the_refunds_paid_out_today_beside_them(
    shop_day, front_desk, client_for, today
):
    device = DeviceFactory()
    for at, amount in [(_local(today, 0, 0), "300.00"), (_local(today - DAY, 23, 59), "99.00")]:
        Refund.objects.create(
            device=device,
            amount=Decimal(amount),
            mode=PaymentMode.CASH,
            reason="Part",
            refunded_by=front_desk,
            refunded_at=at,
        )

    card = _cards(dashboard_context(front_desk))["Payments today"]
    html = client_for(front_desk).get(reverse("dashboard")).content.decode()

    # Received today stays gross, as in the payments list; today's refund is shown beside.
    assert card["amount"] == Decimal("2500.25")
    assert card["refunded"] == Decimal("300.00")
    assert 'refunds <span class="money">−₹300.00</span>' in html


def test_today_figures_are_zero_amounts_not_empty_on_a_quiet_day(front_desk):
    cards = _cards(dashboard_context(front_desk))
    assert (cards["Bills today"]["value"], cards["Bills today"]["amount"]) == (0, Decimal("0.00"))
    assert cards["Payments today"]["amount"] == Decimal("0.00")
    assert cards["Payments today"]["refunded"] is None


def test_lead_cards_count_open_leads_and_follow_ups_due(shop_day, front_desk):
    cards = _cards(dashboard_context(front_desk))
    assert cards["Open leads"]["value"] == 4
    due = cards["Follow-ups due"]
    assert due["value"] == 2
    assert due["hint"] == "1 today · 1 overdue"


def test_every_card_links_to_the_filtered_list_behind_it(front_desk, today):
    cards = _cards(dashboard_context(front_desk))
    day = today.isoformat()
    assert cards["Unassigned"]["url"] == "/devices/?status=received"
    assert cards["In repair"]["url"] == "/devices/?status=assigned"
    assert cards["Delivery pending"]["url"] == "/delivery_ready"
    assert cards["Overdue"]["url"] == "/device_time_overlap"
    assert cards["Closed today"]["url"] == (
        f"/closed_devices?closed_after={day}&closed_before={day}"
    )
    assert cards["Closed today"]["extra_url"] == "/closed_devices"
    assert cards["Open leads"]["url"] == "/crm/?status=open"
    assert cards["Follow-ups due"]["url"] == "/crm/?follow_up=due"
    assert cards["Taken in today"]["url"] == (
        f"/devices/?received_after={day}&received_before={day}"
    )
    assert cards["Payments today"]["url"] == (
        f"/payments/?received_after={day}&received_before={day}"
    )


@pytest.mark.parametrize(
    ("hour", "greeting"), [(9, "Good morning"), (14, "Good afternoon"), (19, "Good evening")]
)
def test_page_shows_new_lead_button_greeting_and_date(
    client_for, front_desk, today, hour, greeting, monkeypatch
):
    from django.utils import timezone as tz

    at = _local(today, hour)
    monkeypatch.setattr(tz, "now", lambda: at)
    html = client_for(front_desk).get(reverse("dashboard")).content.decode()
    assert html.count(f'href="{reverse("crm:lead_create")}"') >= 2
    assert f"{greeting}, {front_desk.first_name}</h1>" in html
    assert f">{date_format(today, 'l, j F Y')}</div>" in html
    assert 'href="/crm/?follow_up=due"' in html


def test_taken_in_today_counts_from_the_shops_midnight(front_desk, today):
    for at in (_local(today, 0, 1), _local(today, 18)):
        DeviceFactory(status=S.RECEIVED, received_at=at)
    DeviceFactory(status=S.RECEIVED, received_at=_local(today - DAY, 23, 59))
    cards = _cards(dashboard_context(front_desk))
    assert cards["Taken in today"]["value"] == 2


def test_open_leads_card_sums_the_estimated_value_of_open_leads_only(front_desk):
    open_values = [Decimal("15000.00"), Decimal("2500.50")]
    for value, status in zip(open_values, (LeadStatus.NEW, LeadStatus.QUALIFIED), strict=True):
        LeadFactory(status=status, estimated_value=value)
    LeadFactory(status=LeadStatus.CONTACTED, estimated_value=None)
    LeadFactory(status=LeadStatus.WON, estimated_value=Decimal("90000.00"))
    LeadFactory(status=LeadStatus.LOST, estimated_value=Decimal("7000.00"))
    card = _cards(dashboard_context(front_desk))["Open leads"]
    assert (card["value"], card["amount"]) == (3, sum(open_values))


# --- technicians and managers -------------------------------------------------------------


def test_technician_sees_own_open_jobs_first_soonest_due(client_for, technician, shop_day):
    response = client_for(technician).get(reverse("dashboard"))
    jobs = response.context["my_jobs"]
    assert [d.pk for d in jobs] == [shop_day["mine_late"].pk, shop_day["mine_today"].pk]
    html = response.content.decode()
    assert html.index("My open jobs") < html.index("Unassigned")
    assert shop_day["theirs"].job_number not in html
    assert "Overdue 2d" in html
    assert 'href="/devices/?mine=1"' in html
    assert response.context["devices"]["my_overdue"] == 1
    assert response.context["devices"]["my_due_today"] == 1


def test_technician_list_is_limited_and_says_how_many_more(client_for, technician):
    DeviceFactory.create_batch(12, status=S.ASSIGNED, assigned_to=technician)
    response = client_for(technician).get(reverse("dashboard"))
    assert len(response.context["my_jobs"]) == 10
    assert "Showing the 10 due soonest of 12" in response.content.decode()


def test_front_desk_sees_neither_own_jobs_nor_workloads(client_for, front_desk, shop_day):
    response = client_for(front_desk).get(reverse("dashboard"))
    assert "my_jobs" not in response.context
    assert "workloads" not in response.context
    assert "My open jobs" not in response.content.decode()


def test_manager_sees_each_technicians_open_and_overdue_jobs(
    client_for, manager, technician, other_technician, shop_day
):
    UserFactory(username="gone", is_technician=True, is_active=False)
    response = client_for(manager).get(reverse("dashboard"))
    loads = {
        t.username: (t.open_jobs, t.overdue_jobs, t.due_today)
        for t in response.context["workloads"]
    }
    assert loads == {"tech": (2, 1, 1), "tech2": (1, 0, 0)}
    html = response.content.decode()
    assert "Technicians' workload" in html
    assert f"?technician={technician.pk}&amp;overdue=1" in html


def test_admin_sees_workloads_too(client_for, owner, technician):
    response = client_for(owner).get(reverse("dashboard"))
    assert [t.pk for t in response.context["workloads"]] == [technician.pk]


# --- query count --------------------------------------------------------------------------


def _bulk_devices(count, *, technician, customer, added_by, today):
    states = [S.RECEIVED, S.ASSIGNED, S.READY, S.DELIVERED, S.RETURNED]
    devices = []
    for i in range(count):
        status = states[i % len(states)]
        devices.append(
            Device(
                job_number=f"J-BULK-{i:06d}",
                customer=customer,
                device_name="Laptop",
                issue_description="No power on",
                expected_delivery_date=today + datetime.timedelta(days=(i % 7) - 3),
                status=status,
                assigned_to=None if status in (S.RECEIVED, S.RETURNED) else technician,
                added_by=added_by,
                ready_at=timezone.now() if status in (S.READY, S.DELIVERED) else None,
            )
        )
    Device.objects.bulk_create(devices, batch_size=500)


def _dashboard_queries(client) -> int:
    client.get(reverse("dashboard"))  # warm-up: shop settings row, session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("persona", ["technician", "manager", "front_desk", "admin"])
def test_dashboard_query_count_is_the_same_for_10_and_1000_devices(
    persona, personas, client_for, technician, other_technician, today
):
    user = personas[persona]
    client = client_for(user)
    customer = CustomerFactory()
    _bulk_devices(10, technician=technician, customer=customer, added_by=user, today=today)
    few = _dashboard_queries(client)

    Device.objects.all().delete()
    _bulk_devices(1000, technician=technician, customer=customer, added_by=user, today=today)
    for i in range(30):
        LeadFactory(follow_up_date=today - datetime.timedelta(days=i % 3))
    many = _dashboard_queries(client)

    assert Device.objects.count() == 1000
    assert many == few
    assert many <= 12


# --- SPEC §5 --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "manager", "technician", "front_desk"])
def test_every_role_sees_the_dashboard(persona, personas, client_for):
    assert client_for(personas[persona]).get(reverse("dashboard")).status_code == 200


def test_dashboard_keeps_the_original_route_with_and_without_slash(client_for, front_desk):
    client = client_for(front_desk)
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard/").status_code == 200


def test_root_leads_to_the_dashboard(client_for, front_desk):
    response = client_for(front_desk).get("/")
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_anonymous_is_sent_to_login(anonymous):
    response = anonymous.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(f"{reverse('accounts:login')}?{REDIRECT_FIELD_NAME}=")


def test_dashboard_is_read_only(client_for, front_desk):
    assert client_for(front_desk).post(reverse("dashboard")).status_code == 405
