"""Lists the other query-count tests leave out run a fixed number of SQL queries however
many rows they show, with rows in every state: the users page, the history unfiltered and
by balance, the payments list with refunds and reversals, and the back office's lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from accounts.tests.factories import UserFactory
from billing import services as billing
from crm.services import lead_add_note
from crm.tests.factories import LeadFactory
from devices.models import DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory, SparePartFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/users/",
    "/closed_devices",
    "/closed_devices?balance=due",
    "/payments/",
    "/admin/devices/device/",
    "/admin/devices/service/",
    "/admin/billing/bill/",
    "/admin/billing/payment/",
    "/admin/billing/refund/",
    "/admin/customers/customer/",
    "/admin/crm/lead/",
    "/admin/crm/leadnote/",
    "/admin/accounts/user/",
]


def _jobs(count, *, technician, front_desk, manager):
    """``count`` of each: delivered and paid, ready with money due, returned unrepaired with
    a refund, an advance reversed; a lead with notes; a colleague."""
    for n in range(count):
        for state in ("delivered", "due", "returned"):
            device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
            service = ServiceFactory(device=device, labour_charge=500)
            SparePartFactory(service=service)
            advance = billing.payment_record(device=device, amount="300", mode="upi", by=front_desk)
            if state == "returned":
                billing.return_unrepaired(
                    device=device, by=front_desk, reason="Declined", inspection_charge="100"
                )
                continue
            billing.bill_close(device=device, by=technician)
            if state == "delivered":
                rest = billing.payment_record(
                    device=device, amount="700", mode="cash", by=front_desk
                )
                billing.delivery_complete(device=device, by=front_desk)
                billing.payment_reverse(payment=rest, by=manager, reason="Typed twice")
            else:
                billing.payment_reverse(payment=advance, by=manager, reason="Wrong job")
        lead = LeadFactory()
        lead_add_note(lead=lead, by=front_desk, text=f"Called {n}")
        UserFactory(username=f"clerk{n}", role=Role.STAFF)


def _queries(client, url) -> int:
    client.get(url)  # warm-up: settings rows, session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def test_lists_run_a_fixed_number_of_queries_from_a_few_rows_to_a_full_page(
    client_for, owner, technician, front_desk, manager
):
    client = client_for(owner)
    _jobs(1, technician=technician, front_desk=front_desk, manager=manager)
    few = {url: _queries(client, url) for url in PAGES}
    # More than a page on every list (the due balances are two a round).
    _jobs(13, technician=technician, front_desk=front_desk, manager=manager)
    full = {url: _queries(client, url) for url in PAGES}
    # A full first page may add one query, the count of all rows (a first page with room to
    # spare is counted from its own rows); anything done per row would add 25.
    grown = {url: full[url] - few[url] for url in PAGES if not 0 <= full[url] - few[url] <= 1}
    assert grown == {}
