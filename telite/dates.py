"""Days in the shop's time zone as datetime ranges.

Filters use ``[day_start(d), day_start(d + 1))`` rather than a ``__date`` lookup, so the
indexes on the timestamp columns are used instead of computing a date for every row.
"""

import datetime

from django.utils import timezone

ONE_DAY = datetime.timedelta(days=1)
# A date field takes any day from 0001-01-01 to 9999-12-31; the shift to UTC and "the next
# day" must stay inside what a datetime holds, so a filter typed as year 1 or 9999 gives an
# empty or a whole list rather than an error.
_FIRST_DAY = datetime.date.min + ONE_DAY
_LAST_DAY = datetime.date.max - ONE_DAY


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the shop's time zone."""
    day = min(max(day, _FIRST_DAY), _LAST_DAY)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_end(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of ``day`` (the start of the next day) in the shop's time zone."""
    return day_start(min(day, _LAST_DAY - ONE_DAY) + ONE_DAY)


def day_range(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[midnight, next midnight) of ``day`` in the shop's time zone."""
    return day_start(day), day_end(day)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(value, *, with_time: bool = False) -> str:
    """``5 Mar 2026`` (or ``5 Mar 2026, 2:05 PM``) in the shop's time zone; "" for no value.

    What ``|date:"j M Y"`` prints, for the lists' rows: Django's date filter goes through the
    translation and format machinery for every call (~30 µs), this is plain string work.
    """
    if not isinstance(value, datetime.date):  # None, "" (a datetime is a date too)
        return ""
    is_datetime = isinstance(value, datetime.datetime)
    if is_datetime and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    if not (is_datetime and with_time):
        return text
    hour = value.hour % 12 or 12
    return f"{text}, {hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"
