"""Dates in the lists: the fast ``|day`` filter prints what Django's date filter printed."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from telite.dates import format_day

UTC = datetime.UTC


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 3, 5, 18, 40, tzinfo=UTC),  # 00:10 on the 6th in Kolkata
        datetime.datetime(2026, 12, 31, 23, 59, tzinfo=UTC),  # New Year's Day in Kolkata
        datetime.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata")),
        datetime.datetime(2026, 6, 1, 12, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata")),  # noon
        datetime.datetime(2026, 6, 1, 14, 5, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata")),
        datetime.date(2024, 2, 29),
    ],
)
def test_day_filter_prints_what_the_date_filter_printed(value):
    ours = Template("{% load telite %}{{ v|day }}").render(Context({"v": value}))
    assert ours == Template('{{ v|date:"j M Y" }}').render(Context({"v": value}))
    if isinstance(value, datetime.datetime):
        ours = Template("{% load telite %}{{ v|day:'time' }}").render(Context({"v": value}))
        assert ours == Template('{{ v|date:"j M Y, g:i A" }}').render(Context({"v": value}))


def test_day_filter_uses_the_shop_time_zone(settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    late_evening_utc = datetime.datetime(2026, 3, 5, 19, 0, tzinfo=UTC)
    assert format_day(late_evening_utc) == "6 Mar 2026"
    assert format_day(late_evening_utc, with_time=True) == "6 Mar 2026, 12:30 AM"
    with timezone.override("UTC"):
        assert format_day(late_evening_utc) == "5 Mar 2026"


@pytest.mark.parametrize("empty", [None, ""])
def test_no_date_prints_nothing(empty):
    assert format_day(empty) == ""


@pytest.mark.parametrize("typed", ["2:05 PM", "02:05 PM", "2:05PM", "14:05", "14:05:00"])
def test_times_are_typed_as_they_are_shown(typed):
    # The admin's time boxes show and accept the 12-hour clock of every page.
    from django import forms

    assert forms.TimeField().clean(typed) == datetime.time(14, 5)


@pytest.mark.parametrize("typed", ["24/11/2026 2:05 PM", "2026-11-24 2:05 PM", "24/11/2026 14:05"])
def test_date_and_time_typed_together_are_understood(typed):
    from django import forms

    moment = timezone.localtime(forms.DateTimeField().clean(typed))
    assert (moment.date(), moment.time()) == (datetime.date(2026, 11, 24), datetime.time(14, 5))


def test_records_name_their_moment_in_the_shop_time_zone(settings):
    # What the admin prints for a timeline entry or a bill change reads like every page.
    from billing.models import Bill, BillChange
    from devices.models import DeviceEvent

    settings.TIME_ZONE = "Asia/Kolkata"
    moment = datetime.datetime(2026, 11, 24, 13, 11, tzinfo=UTC)  # 6:41 PM in Kolkata
    event = DeviceEvent(kind=DeviceEvent.Kind.RECEIVED, at=moment)
    assert str(event).endswith(", 24 Nov 2026, 6:41 PM")
    change = BillChange(bill=Bill(number="TB/2026-27/0042"), changed_at=moment)
    assert str(change).endswith("changed 24 Nov 2026, 6:41 PM")
