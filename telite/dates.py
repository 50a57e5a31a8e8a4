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
