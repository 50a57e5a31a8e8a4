"""What keeps the pages fast at ten years of data, checked for behaviour (speed itself is
measured by the benchmark in bench/, never here)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices.models import Device, DeviceStatus
from devices.tests.factories import DeviceFactory
from devices.workflow import device_reopen
from telite.dashboard import closed_before_key, device_counts
from telite.money import format_money
from telite.pagination import CappedPaginator
from telite.phone import format_phone

pytestmark = pytest.mark.django_db

S = DeviceStatus
DAY = datetime.timedelta(days=1)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# --- CappedPaginator ----------------------------------------------------------------------


class SmallCap(CappedPaginator):
    cap = 5


def test_capped_paginator_counts_up_to_its_cap_and_says_there_are_more():
    DeviceFactory.create_batch(7)
    paginator = SmallCap(Device.objects.order_by("pk"), 2)
    page = paginator.get_page(1)
    assert paginator.count == 5
    assert paginator.capped is True
    assert paginator.num_pages == 3
    assert [d.pk for d in page.object_list] == list(
        Device.objects.order_by("pk").values_list("pk", flat=True)[:2]
    )


def test_capped_paginator_below_its_cap_is_an_exact_count():
    DeviceFactory.create_batch(4)
    paginator = SmallCap(Device.objects.order_by("pk"), 2)
    paginator.get_page(1)
    assert paginator.count == 4
    assert paginator.capped is False


@pytest.mark.parametrize("found", [0, 1, 2])
def test_a_first_page_with_room_to_spare_is_counted_from_its_rows(found):
    """No more rows than a page: one query (the rows), and the count is theirs."""
    DeviceFactory.create_batch(found)
    paginator = SmallCap(Device.objects.order_by("pk"), 2)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page(None)
        assert paginator.count == found
        assert len(page.object_list) == found
    assert len(queries) == 1
    assert paginator.num_pages == 1 and not page.has_next()


def test_a_full_first_page_still_counts_the_rest(django_assert_num_queries):
    DeviceFactory.create_batch(3)
    paginator = SmallCap(Device.objects.order_by("pk"), 2)
    with django_assert_num_queries(2):  # the rows, then the (capped) count
        page = paginator.get_page("1")
        assert paginator.count == 3 and page.has_next()
    assert len(page.object_list) == 2
    assert list(paginator.get_page(2).object_list) == list(Device.objects.order_by("pk")[2:])


def test_device_list_shows_a_plus_when_the_count_is_capped(client_for, front_desk, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 30)
    DeviceFactory.create_batch(31)
    response = client_for(front_desk).get("/devices/")
    html = response.content.decode()
    assert response.context["page"].paginator.capped is True
    assert "Showing 1–25 of 30+" in re.sub(r"<[^>]+>", "", html)  # the text, as read


# --- dashboard "closed in total" ----------------------------------------------------------


def test_closed_in_total_is_cached_for_the_day_and_adds_todays_closures_live(technician):
    today = timezone.localdate()
    DeviceFactory(status=S.DELIVERED, assigned_to=technician, ready_at=_at(today - 3 * DAY, 10))
    assert device_counts(today=today)["closed_total"] == 1

    DeviceFactory(status=S.READY, assigned_to=technician, ready_at=timezone.now())
    counts = device_counts(today=today)
    assert (counts["closed_today"], counts["closed_total"]) == (1, 2)

    with CaptureQueriesContext(connection) as queries:
        device_counts(today=today)
    # Open figures, closed today, taken in today: the ten-year count comes from the cache.
    assert len(queries) == 3


def test_a_closed_row_without_ready_time_still_counts_in_total(technician):
    DeviceFactory(status=S.DELIVERED, assigned_to=technician, ready_at=None)
    assert device_counts(today=timezone.localdate())["closed_total"] == 1


def test_reopening_a_device_closed_on_an_earlier_day_is_not_counted_twice(manager, technician):
    today = timezone.localdate()
    old = DeviceFactory(status=S.READY, assigned_to=technician, ready_at=_at(today - 2 * DAY, 9))
    assert device_counts(today=today)["closed_total"] == 1

    device_reopen(device=old, by=manager, reason="Fan still noisy")
    from django.core.cache import cache

    assert cache.get(closed_before_key(today)) is None
    assert device_counts(today=today)["closed_total"] == 0


# --- formatting caches --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "₹0.00"),
        ("2500", "₹2,500.00"),
        ("250000.5", "₹2,50,000.50"),
        ("-12345678.9", "-₹1,23,45,678.90"),
    ],
)
def test_money_keeps_indian_grouping_with_the_pattern_parsed_once(amount, text):
    assert format_money(amount) == text


def test_money_in_another_locale_uses_western_grouping():
    assert format_money("1234567.5", symbol="$", locale="en_US") == "$1,234,567.50"


def test_phone_formatting_is_the_same_from_the_cache():
    first = format_phone("+919845012345")
    assert first == format_phone("+919845012345") == "+91 98450 12345"
    assert format_phone.cache_info().hits >= 1
