"""Days in the shop's time zone as datetime ranges.

Filters use ``[day_start(d), day_start(d + 1))`` rather than a ``__date`` lookup, so the
indexes on the timestamp columns are used instead of computing a date for every row.
"""

import datetime

from django.utils import timezone

ONE_DAY = datetime.timedelta(days=1)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the shop's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_range(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[midnight, next midnight) of ``day`` in the shop's time zone."""
    return day_start(day), day_start(day + ONE_DAY)
