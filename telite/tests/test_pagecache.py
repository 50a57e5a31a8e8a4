"""Kept pages (telite/pagecache.py): served again only while nothing has been written.

These tests commit (``transactional_db``), as the app does: a write gives the data a new
version when its transaction commits, and a page kept before it is not served after it.
"""

import datetime
import re
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services as billing
from billing.models import ShopSettings
from customers.models import Customer
from devices.models import Device, DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory
from telite import backup, pagecache

pytestmark = pytest.mark.django_db(transaction=True)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAYMENT_KEY = re.compile(r'idempotency_key" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE = True
    ShopSettings.load()  # made on first use: a write, which would empty the cache


def _visit(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries]


def _reads_devices(sqls):
    return any('FROM "devices_device"' in sql for sql in sqls)


def test_a_second_visit_is_served_without_reading_the_devices_again(client_for, manager):
    device = DeviceFactory(customer__name="Asha Rao")
    client = client_for(manager)
    first, first_sqls = _visit(client, reverse("devices:device_list"))
    second, second_sqls = _visit(client, reverse("devices:device_list"))
    assert device.job_number in first and "Asha Rao" in second
    assert _reads_devices(first_sqls) and not _reads_devices(second_sqls)


def _rename_with_save(customer, device, technician, manager):
    customer.name = "Asha Menon"
    customer.save()


def _rename_with_update(customer, device, technician, manager):
    Customer.objects.filter(pk=customer.pk).update(name="Asha Menon")


def _rename_in_a_transaction(customer, device, technician, manager):
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(name="Asha Menon")
        Device.objects.filter(pk=device.pk).update(brand="Lenovo")


def _assign_through_the_page(customer, device, technician, manager):
    client = Client()  # someone else's write
    client.force_login(manager)  # (a login is a write too: the user's last login)
    response = client.post(
        reverse("devices:device_assign"), {"device": device.pk, "technician": technician.pk}
    )
    assert response.status_code == 302


def _renamed(before, after, device):
    return "Asha Menon" not in before and "Asha Menon" in after


def _no_longer_waiting(before, after, device):
    return device.job_number in before and device.job_number not in after


WRITES = {
    "a model saved": (_rename_with_save, "devices:device_list", _renamed),
    "rows updated in place": (_rename_with_update, "devices:device_list", _renamed),
    "a transaction of several writes": (
        _rename_in_a_transaction,
        "devices:device_list",
        _renamed,
    ),
    "a device assigned on the assign page": (
        _assign_through_the_page,
        "devices:device_assign",
        _no_longer_waiting,
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_committed_write_shows_on_the_next_visit(write, client_for, manager, technician):
    change, url_name, shows = write
    device = DeviceFactory(customer__name="Asha Rao")
    client = client_for(manager)
    Client().force_login(manager)  # the assigning manager's login, before the first visit
    url = reverse(url_name)
    before, _ = _visit(client, url)
    change(device.customer, device, technician, manager)
    after, sqls = _visit(client, url)
    assert shows(before, after, device) and _reads_devices(sqls)


def test_a_deleted_device_leaves_the_list_at_once(client_for, owner):
    kept, gone = DeviceFactory(), DeviceFactory()
    client = client_for(owner)
    url = reverse("devices:device_list")
    assert gone.job_number in _visit(client, url)[0]
    gone.delete()
    html = _visit(client, url)[0]
    assert kept.job_number in html and gone.job_number not in html


def test_a_write_that_rolls_back_keeps_the_version():
    before = pagecache.current_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Customer.objects.update(name="Nobody")
        raise RuntimeError("rolled back")
    assert pagecache.current_version() == before


def test_sessions_and_reads_keep_the_version(client_for, manager):
    before = pagecache.current_version()
    client = client_for(manager)  # a login writes a session and the user's last login...
    after_login = pagecache.current_version()
    client.get(reverse("devices:device_list"))  # ...reading a page writes only the session
    assert pagecache.current_version() == after_login
    assert after_login != before  # last_login is a write to the user


def test_each_person_gets_their_own_page(client_for, manager, technician):
    DeviceFactory()
    url = reverse("devices:device_list")
    managers, technicians = client_for(manager), client_for(technician)
    manager_page = _visit(managers, url)[0]
    technician_page = _visit(technicians, url)[0]
    signed_in = re.compile(r"bi-person-circle[^>]*></i>(\S+) ")
    assert signed_in.findall(manager_page) == [manager.username]
    assert signed_in.findall(technician_page) == [technician.username]


def test_a_kept_page_carries_a_csrf_token_that_works_for_whoever_reads_it(
    client_for, manager, technician
):
    device = DeviceFactory()
    url = reverse("devices:device_assign")
    first_client = client_for(manager)
    # The same manager in another browser: a new session and a new CSRF cookie.
    other = Client(enforce_csrf_checks=True)
    other.force_login(manager)
    first, _ = _visit(first_client, url)
    kept, sqls = _visit(other, url)
    assert not _reads_devices(sqls)
    tokens = set(CSRF_INPUT.findall(kept))
    assert tokens and tokens.isdisjoint(CSRF_INPUT.findall(first))
    assert pagecache.CSRF_MARK not in kept
    response = other.post(
        url,
        {"device": device.pk, "technician": technician.pk, "csrfmiddlewaretoken": tokens.pop()},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.assigned_to == technician


def test_a_kept_service_page_never_repeats_a_payment_key(client_for, front_desk, technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device, labour_charge=Decimal("900"))
    billing.bill_close(device=device, by=technician)
    client = client_for(front_desk)
    url = reverse("devices:service", args=[device.pk])
    pages = [_visit(client, url) for _ in range(3)]
    assert not _reads_devices(pages[2][1])
    keys = [key for html, _ in pages for key in PAYMENT_KEY.findall(html)]
    assert len(keys) == 3 and len(set(keys)) == 3
    assert all(uuid.UUID(key).version == 4 for key in keys)


# --- The decorator on its own ------------------------------------------------------------


@pytest.fixture
def counted_view():
    calls = []

    @pagecache.cached_page
    def view(request):
        calls.append(request)
        return HttpResponse(f"<p>render {len(calls)}</p>")

    view.calls = calls
    return view


def _request(user, path="/page", **extra):
    request = RequestFactory().get(path, **extra)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.htmx = bool(extra.get("HTTP_HX_REQUEST"))
    return request


def test_a_waiting_message_is_shown_on_a_fresh_page(counted_view, manager):
    counted_view(_request(manager))
    request = _request(manager)
    messages.success(request, "Saved.")
    counted_view(request)
    assert len(counted_view.calls) == 2


def test_a_page_that_adds_a_message_is_not_kept(manager):
    calls = []

    @pagecache.cached_page
    def view(request):
        calls.append(1)
        messages.warning(request, "Filter ignored.")
        return HttpResponse("page")

    view(_request(manager))
    view(_request(manager))
    assert len(calls) == 2


def test_the_next_minute_renders_again(counted_view, manager):
    counted_view(_request(manager))
    counted_view(_request(manager))
    assert len(counted_view.calls) == 1
    later = pagecache.timezone.localtime() + datetime.timedelta(minutes=1)
    with mock.patch.object(pagecache.timezone, "localtime", return_value=later):
        response = counted_view(_request(manager))
    assert len(counted_view.calls) == 2 and b"render 2" in response.content


def test_query_strings_htmx_and_other_methods_are_rendered_for_themselves(counted_view, manager):
    counted_view(_request(manager, "/page?q=asha"))
    counted_view(_request(manager, "/page?q=ravi"))
    counted_view(_request(manager, "/page?q=asha", HTTP_HX_REQUEST="true"))
    post = RequestFactory().post("/page?q=asha")
    post.user, post.htmx = manager, False
    counted_view(post)
    assert len(counted_view.calls) == 4
    counted_view(_request(manager, "/page?q=ravi"))
    assert len(counted_view.calls) == 4


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('SELECT "devices_device"."id" FROM "devices_device"', False),
        ('(SELECT "id" FROM "a") UNION (SELECT "id" FROM "b")', False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', False),
        ('UPDATE "devices_device" SET "status" = %s', True),
        ('INSERT INTO "billing_payment" ("amount") VALUES (%s)', True),
        ('DELETE FROM "devices_sparepart" WHERE "id" = %s', True),
        ("WITH moved AS (DELETE FROM devices_device RETURNING id) SELECT 1", True),
    ],
)
def test_what_counts_as_a_write(sql, writes):
    assert pagecache.is_write(sql) is writes


def test_a_restore_gives_the_data_a_new_version(client_for, owner, tmp_path):
    device = DeviceFactory()
    archive = backup.create_backup(tmp_path)
    device.delete()
    client = client_for(owner)
    url = reverse("devices:device_list")
    assert device.job_number not in _visit(client, url)[0]
    backup.restore_backup(archive, replace=True)
    assert device.job_number in _visit(client, url)[0]
