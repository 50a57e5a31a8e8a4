"""Kept pages (telite/pagecache.py): served again only while nothing has been written.

These tests commit (``transactional_db``), as the app does: a write gives the data a new
version when its transaction commits, and a page kept before it is not served after it.
The clock's minute is held still so that a test never crosses into a new minute.
"""

import re
import uuid
from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from billing import services as billing
from billing.models import ShopSettings
from customers.models import Customer
from devices.models import Device, DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory
from telite import backup, pagecache

pytestmark = pytest.mark.django_db(transaction=True)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
PAYMENT_KEY = re.compile(r'idempotency_key" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _page_cache_on(settings, monkeypatch):
    settings.PAGE_CACHE = True
    monkeypatch.setattr(pagecache, "current_minute", lambda: "202611241030")
    ShopSettings.load()  # made on first use: a write, which would empty the cache


def _visit(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries]


def _reads_devices(sqls):
    return any('FROM "devices_device"' in sql for sql in sqls)


def _logged_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)  # a login is a write (the user's last login): log in first
    return client


def test_a_second_visit_is_served_without_reading_the_devices_again(client_for, manager):
    device = DeviceFactory(customer__name="Asha Rao")
    client = client_for(manager)
    first, first_sqls = _visit(client, reverse("devices:device_list"))
    second, second_sqls = _visit(client, reverse("devices:device_list"))
    assert device.job_number in first and "Asha Rao" in second
    assert _reads_devices(first_sqls) and not _reads_devices(second_sqls)


# --- Writes -----------------------------------------------------------------------------


def _rename_with_save(world):
    customer = world["device"].customer
    customer.name = "Asha Menon"
    customer.save()


def _rename_with_update(world):
    Customer.objects.filter(pk=world["device"].customer_id).update(name="Asha Menon")


def _rename_in_a_transaction(world):
    with transaction.atomic():
        Customer.objects.filter(pk=world["device"].customer_id).update(name="Asha Menon")
        Device.objects.filter(pk=world["device"].pk).update(brand="Lenovo")


def _rename_with_the_cache_off(world):
    # A `manage.py` command or a worker started with PAGE_CACHE=False still tells the others.
    world["settings"].PAGE_CACHE = False
    _rename_with_save(world)
    world["settings"].PAGE_CACHE = True


def _assign_through_the_page(world):
    response = world["other_client"].post(
        reverse("devices:device_assign"),
        {"device": world["device"].pk, "technician": world["technician"].pk},
    )
    assert response.status_code == 302


def _renamed(before, after, device):
    return "Asha Menon" not in before and "Asha Menon" in after


def _no_longer_waiting(before, after, device):
    return device.job_number in before and device.job_number not in after


WRITES = {
    "a model saved": (_rename_with_save, "devices:device_list", _renamed),
    "rows updated in place": (_rename_with_update, "devices:device_list", _renamed),
    "a transaction of several writes": (_rename_in_a_transaction, "devices:device_list", _renamed),
    "a write by a process with the cache off": (
        _rename_with_the_cache_off,
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
def test_a_committed_write_shows_on_the_next_visit(write, manager, technician, settings):
    change, url_name, shows = write
    device = DeviceFactory(customer__name="Asha Rao")
    world = {
        "device": device,
        "technician": technician,
        "settings": settings,
        "other_client": _logged_in(manager),  # someone else, at another counter
    }
    client = _logged_in(manager)
    url = reverse(url_name)
    before, _ = _visit(client, url)
    assert not _reads_devices(_visit(client, url)[1])  # kept, until...
    change(world)
    after, sqls = _visit(client, url)
    assert shows(before, after, device) and _reads_devices(sqls)


def test_a_deleted_device_leaves_the_list_at_once(owner):
    kept, gone = DeviceFactory(), DeviceFactory()
    client = _logged_in(owner)
    url = reverse("devices:device_list")
    assert gone.job_number in _visit(client, url)[0]
    gone.delete()
    html = _visit(client, url)[0]
    assert kept.job_number in html and gone.job_number not in html


def test_a_write_that_rolls_back_keeps_the_version_and_one_that_commits_changes_it():
    before = pagecache.current_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Customer.objects.update(name="Nobody")
        raise RuntimeError("rolled back")
    assert pagecache.current_version() == before
    with transaction.atomic():
        Customer.objects.update(name="Somebody")
    assert pagecache.current_version() != before


def _write_in_a_savepoint_that_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        Customer.objects.update(name="Nobody")
        raise RuntimeError("savepoint rolled back")


def test_a_savepoint_rolled_back_counts_only_if_the_transaction_wrote_too():
    before = pagecache.current_version()
    with transaction.atomic():
        _write_in_a_savepoint_that_rolls_back()
    assert pagecache.current_version() == before
    with transaction.atomic():
        _write_in_a_savepoint_that_rolls_back()
        Customer.objects.update(name="Somebody")
    assert pagecache.current_version() != before


def test_sessions_and_reads_keep_the_version(manager):
    client = _logged_in(manager)
    before = pagecache.current_version()
    client.get(reverse("devices:device_list"))  # writes the session (idle timeout) only
    client.get(reverse("dashboard"))
    assert pagecache.current_version() == before


def test_failed_logins_keep_everyone_s_pages(manager):
    before = pagecache.current_version()
    for _ in range(3):
        Client().post(reverse("accounts:login"), {"username": "manager", "password": "wrong"})
    assert pagecache.current_version() == before


def test_a_version_that_cannot_be_written_empties_this_process_pages(caplog):
    caches[pagecache.CACHE_ALIAS].set("page:x", ("kept", "text/html"))

    class Unwritable:
        introspection = connection.introspection

        def cursor(self):
            raise OperationalError("database is locked")

    with caplog.at_level("WARNING", logger="telite.pagecache"):
        pagecache.new_version(Unwritable())
    assert caches[pagecache.CACHE_ALIAS].get("page:x") is None
    assert "could not give the data a new version" in caplog.text


def test_a_restore_gives_the_data_a_new_version(owner, tmp_path):
    device = DeviceFactory()
    archive = backup.create_backup(tmp_path)
    device.delete()
    client = _logged_in(owner)
    url = reverse("devices:device_list")
    assert device.job_number not in _visit(client, url)[0]
    backup.restore_backup(archive, replace=True)
    assert device.job_number in _visit(client, url)[0]


# --- Whose page, and per-response values -----------------------------------------------------


def test_each_person_gets_their_own_page(manager, technician):
    DeviceFactory()
    url = reverse("devices:device_list")
    managers, technicians = _logged_in(manager), _logged_in(technician)
    manager_page = _visit(managers, url)[0]
    technician_page = _visit(technicians, url)[0]
    signed_in = re.compile(r"bi-person-circle[^>]*></i>(\S+) ")
    assert signed_in.findall(manager_page) == [manager.username]
    assert signed_in.findall(technician_page) == [technician.username]


def test_a_kept_page_carries_csrf_tokens_that_work_for_whoever_reads_it(manager, technician):
    first, second = DeviceFactory(), DeviceFactory()
    url = reverse("devices:device_assign")
    # The same manager in two browsers: two sessions, two CSRF cookies.
    one = _logged_in(manager, enforce_csrf_checks=True)
    other = _logged_in(manager, enforce_csrf_checks=True)
    _visit(one, url)
    kept, sqls = _visit(other, url)
    assert not _reads_devices(sqls)
    assert "csrf-token-of-this-response" not in kept
    form_token, header_token = CSRF_INPUT.findall(kept)[0], CSRF_HEADER.findall(kept)[0]
    response = other.post(
        url,
        {"device": first.pk, "technician": technician.pk, "csrfmiddlewaretoken": form_token},
    )
    assert response.status_code == 302
    response = other.post(  # as htmx sends it: the token from the page's hx-headers
        url,
        {"device": second.pk, "technician": technician.pk},
        headers={"X-CSRFToken": header_token},
    )
    assert response.status_code == 302
    assert {d.assigned_to for d in Device.objects.filter(pk__in=[first.pk, second.pk])} == {
        technician
    }


def test_a_kept_service_page_never_repeats_a_payment_key(front_desk, technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device, labour_charge=Decimal("900"))
    billing.bill_close(device=device, by=technician)
    client = _logged_in(front_desk)
    url = reverse("devices:service", args=[device.pk])
    pages = [_visit(client, url) for _ in range(3)]
    assert not _reads_devices(pages[2][1])
    keys = [key for html, _ in pages for key in PAYMENT_KEY.findall(html)]
    assert len(keys) == 3 and len(set(keys)) == 3
    assert all(str(uuid.UUID(key)) == key for key in keys)


def test_a_kept_service_page_never_repeats_a_part_form_key(technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device)
    client = _logged_in(technician)
    url = reverse("devices:service", args=[device.pk])
    pages = [_visit(client, url) for _ in range(3)]
    assert not _reads_devices(pages[2][1])
    add_url = re.escape(reverse("devices:part_add", args=[device.pk]))
    in_part_form = re.compile(rf'action="{add_url}".*?idempotency_key" value="([^"]+)"', re.S)
    keys = [in_part_form.search(html).group(1) for html, _ in pages]
    assert len(set(keys)) == 3
    assert all(str(uuid.UUID(key)) == key for key in keys)


def test_text_typed_like_a_marker_is_shown_as_typed(owner):
    DeviceFactory(customer__name=pagecache.CSRF_MARK)
    client = _logged_in(owner)
    url = reverse("devices:device_list")
    _visit(client, url)
    kept, sqls = _visit(client, url)
    assert not _reads_devices(sqls)
    assert "&lt;csrf-token-of-this-response&gt;" in kept


# --- The decorator on its own ------------------------------------------------------------


def _counted(status=200, message=None):
    calls = []

    @pagecache.cached_page
    def view(request):
        calls.append(request)
        if message:
            messages.warning(request, message)
        return HttpResponse(f"<p>render {len(calls)}</p>", status=status)

    view.calls = calls
    return view


def _request(user, path="/page", **extra):
    request = RequestFactory().get(path, **extra)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.htmx = bool(extra.get("HTTP_HX_REQUEST"))
    return request


def test_a_waiting_message_is_shown_on_a_fresh_page(manager):
    view = _counted()
    view(_request(manager))
    request = _request(manager)
    messages.success(request, "Saved.")
    view(request)
    assert len(view.calls) == 2


def test_a_page_that_adds_a_message_is_not_kept(manager):
    view = _counted(message="Filter ignored.")
    view(_request(manager))
    view(_request(manager))
    assert len(view.calls) == 2


def test_a_page_that_is_not_a_200_is_not_kept(manager):
    view = _counted(status=404)
    view(_request(manager))
    view(_request(manager))
    assert len(view.calls) == 2


def test_the_next_minute_renders_again(manager, monkeypatch):
    view = _counted()
    view(_request(manager))
    view(_request(manager))
    assert len(view.calls) == 1
    monkeypatch.setattr(pagecache, "current_minute", lambda: "202611241031")
    response = view(_request(manager))
    assert len(view.calls) == 2 and b"render 2" in response.content


def test_a_changed_role_or_name_renders_again(manager):
    view = _counted()
    view(_request(manager))
    manager.role = Role.STAFF  # changed by an admin after this request read the user row
    view(_request(manager))
    manager.first_name = "Ravindra"
    view(_request(manager))
    assert len(view.calls) == 3


def test_query_strings_htmx_and_other_methods_are_rendered_for_themselves(manager):
    view = _counted()
    view(_request(manager, "/page?q=asha"))
    view(_request(manager, "/page?q=ravi"))
    view(_request(manager, "/page?q=asha", HTTP_HX_REQUEST="true"))
    post = RequestFactory().post("/page?q=asha")
    post.user, post.htmx = manager, False
    view(post)
    assert len(view.calls) == 4
    view(_request(manager, "/page?q=ravi"))
    assert len(view.calls) == 4


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('SELECT "devices_device"."id" FROM "devices_device"', False),
        ('SELECT "id" FROM "devices_jobcounter" WHERE "id" = %s FOR UPDATE', False),
        ('  select "id" from "devices_device"', False),
        ('(SELECT "id" FROM "a") UNION (SELECT "id" FROM "b")', False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', False),
        ('DELETE FROM "axes_accessattemptexpiration" WHERE "id" IN (%s)', False),
        ('UPDATE "devices_device" SET "status" = %s', True),
        ('update "devices_device" set "status" = %s', True),
        ('INSERT INTO "billing_payment" ("amount") VALUES (%s)', True),
        ('DELETE FROM "devices_sparepart" WHERE "id" = %s', True),
        ("WITH moved AS (DELETE FROM devices_device RETURNING id) SELECT 1", True),
        ("/* a comment */ UPDATE devices_device SET brand = 'x'", True),
    ],
)
def test_what_counts_as_a_write(sql, writes):
    assert pagecache.is_write(sql) is writes
