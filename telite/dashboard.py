"""Dashboard figures (SPEC §7), from a small fixed number of queries whatever the data.

Counts and sums use conditional aggregation (one query per table: devices, bills,
payments, leads), never loaded rows. "Today" is the shop's local date, turned into a
datetime range so the indexes on ``ready_at``, ``issued_at`` and ``received_at`` serve it.
A technician's own jobs (at most ``MY_JOBS_LIMIT`` rows) and the managers' workload table
add one query each.
"""

import datetime
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, FilteredRelation, Q, Sum
from django.utils import timezone

from billing.models import Bill, BillStatus, Payment, Refund
from crm.models import Lead
from crm.selectors import follow_up_due_q
from devices.models import Device, DeviceStatus, closed_at_expression
from telite.dates import day_range
from telite.money import to_money
from telite.permissions import is_manager
from telite.urls_util import route_url

MY_JOBS_LIMIT = 10


today_range = day_range


def _url(name: str, **params) -> str:
    url = route_url(name)
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{url}?{query}" if query else url


def closed_before_key(today: datetime.date) -> str:
    """Cache key of "devices closed before ``today``" (kept for the day, per process).

    A device closed on an earlier day and reopened (``device_reopen``) deletes it, so the
    total does not count that device twice when it is closed again today.
    """
    return f"dashboard:closed-before:{today.isoformat()}"


def device_counts(*, today: datetime.date, user=None) -> dict:
    """Every device figure of the dashboard: three indexed queries and a daily cache.

    The work in the shop (unassigned, in repair, ready, overdue) is read from the open
    rows only (status index); "today" figures from a day's range of indexed timestamps.
    "Closed in total" counts ten years of rows (tens of ms even index-only), so the count
    up to yesterday is kept in the cache for the day (``closed_before_key``; per process
    with the default local-memory cache) and today's closures are added live.
    """
    start, end = today_range(today)
    overdue = Q(status__in=Device.OPEN, expected_delivery_date__lt=today)
    figures = {
        "unassigned": Count("pk", filter=Q(status=DeviceStatus.RECEIVED)),
        "in_repair": Count("pk", filter=Q(status=DeviceStatus.ASSIGNED)),
        "delivery_pending": Count("pk", filter=Q(status=DeviceStatus.READY)),
        "overdue": Count("pk", filter=overdue),
    }
    if user is not None:
        mine = Q(assigned_to=user, status__in=Device.OPEN)
        figures["my_open"] = Count("pk", filter=mine)
        figures["my_overdue"] = Count("pk", filter=mine & overdue)
        figures["my_due_today"] = Count("pk", filter=mine & Q(expected_delivery_date=today))
    counts = Device.objects.filter(status__in=Device.IN_SHOP).aggregate(**figures)
    # Closed = what the closed history lists: repaired and billed, or returned unrepaired,
    # on the day it left the workshop (device_closed_at_idx).
    finished = Device.objects.filter(status__in=Device.FINISHED).annotate(
        closed_at=closed_at_expression()
    )
    counts["closed_today"] = finished.filter(closed_at__gte=start, closed_at__lt=end).count()
    counts["received_today"] = Device.objects.filter(
        received_at__gte=start, received_at__lt=end
    ).count()
    before_today = cache.get_or_set(
        closed_before_key(today),
        # A closed row without a date (imported history) counts too.
        lambda: finished.filter(Q(closed_at__lt=start) | Q(closed_at__isnull=True)).count(),
        timeout=60 * 60 * 24,
    )
    counts["closed_total"] = before_today + counts["closed_today"]
    return counts


def bill_totals(*, today: datetime.date) -> dict:
    """Bills issued today (not voided): count and amount, one query."""
    start, end = today_range(today)
    row = (
        Bill.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .exclude(status=BillStatus.VOID)
        .aggregate(count=Count("pk"), amount=Sum("bill_value"))
    )
    return {"count": row["count"], "amount": to_money(row["amount"])}


def payments_today(*, today: datetime.date) -> dict:
    """Payments received today (count and amount) and refunds paid out today, two queries.

    The card shows what came in and, beside it, what went back, as the payments list
    does: a counter that refunded ₹500 must not read its takings as ₹500 higher."""
    start, end = today_range(today)
    row = Payment.objects.filter(received_at__gte=start, received_at__lt=end).aggregate(
        count=Count("pk"), amount=Sum("amount")
    )
    # A reversal (a payment entered by mistake) comes off what was received; a refund is
    # money handed back and is shown beside it.
    back = Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end).aggregate(
        refunded=Sum("amount", filter=Q(reverses__isnull=True)),
        reversed=Sum("amount", filter=Q(reverses__isnull=False)),
    )
    return {
        "count": row["count"],
        "amount": to_money(row["amount"]) - to_money(back["reversed"]),
        "refunded": to_money(back["refunded"]) if back["refunded"] else None,
    }


def lead_counts(*, today: datetime.date) -> dict:
    """Open leads and follow-ups due (today, overdue) in one query.

    Every figure is about open leads, so only they are read (``lead_status_followup_idx``):
    won, lost and converted leads pile up over the years and are not looked at."""
    row = Lead.objects.filter(status__in=Lead.OPEN).aggregate(
        open=Count("pk"),
        follow_ups_due=Count("pk", filter=follow_up_due_q(today)),
        follow_ups_today=Count("pk", filter=Q(follow_up_date=today)),
        follow_ups_overdue=Count("pk", filter=Q(follow_up_date__lt=today)),
        pipeline=Sum("estimated_value"),
    )
    row["pipeline"] = to_money(row["pipeline"])
    return row


def my_open_jobs(user, *, limit: int = MY_JOBS_LIMIT):
    """A technician's open jobs, soonest due first (one query, at most ``limit`` rows)."""
    return list(
        Device.objects.filter(assigned_to=user, status__in=Device.OPEN)
        .select_related("customer")
        .order_by("expected_delivery_date", "received_at")[:limit]
    )


def technician_workloads(*, today: datetime.date) -> list:
    """Open and overdue jobs per active technician, busiest first, in one query."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_technician=True)
        # Open states in the JOIN: only open devices are read (partial index), whatever
        # the history.
        .annotate(
            open_device=FilteredRelation(
                "assigned_devices", condition=Q(assigned_devices__status__in=Device.OPEN)
            )
        )
        .annotate(
            open_jobs=Count("open_device"),
            overdue_jobs=Count(
                "open_device", filter=Q(open_device__expected_delivery_date__lt=today)
            ),
            due_today=Count("open_device", filter=Q(open_device__expected_delivery_date=today)),
        )
        .order_by("-open_jobs", "-overdue_jobs", "first_name", "username")
    )


def _card(*, label, value, hint, icon, colour, url, amount=None, alert=False, **extra) -> dict:
    """One dashboard card; ``amount`` (money) is shown under the count when given."""
    return {
        "label": label,
        "value": value,
        "hint": hint,
        "icon": icon,
        "colour": colour,
        "url": url,
        "amount": amount,
        "alert": alert,
        **extra,
    }


def _greeting(now: datetime.datetime) -> str:
    if now.hour < 12:
        return "Good morning"
    if now.hour < 17:
        return "Good afternoon"
    return "Good evening"


def dashboard_context(user) -> dict:
    now = timezone.localtime()
    today = now.date()
    day = today.isoformat()
    technician = bool(getattr(user, "is_technician", False))
    devices = device_counts(today=today, user=user if technician else None)
    bills = bill_totals(today=today)
    payments = payments_today(today=today)
    leads = lead_counts(today=today)
    devices_url = "devices:device_list"

    workshop_cards = [
        _card(
            label="Unassigned",
            value=devices["unassigned"],
            hint="waiting for a technician",
            icon="bi-inbox",
            colour="warning",
            url=_url(devices_url, status=DeviceStatus.RECEIVED),
        ),
        _card(
            label="In repair",
            value=devices["in_repair"],
            hint="assigned to technicians",
            icon="bi-wrench-adjustable",
            colour="primary",
            url=_url(devices_url, status=DeviceStatus.ASSIGNED),
        ),
        _card(
            label="Delivery pending",
            value=devices["delivery_pending"],
            hint="ready for the customer",
            icon="bi-box-seam",
            colour="success",
            url=route_url("billing:delivery_ready"),
        ),
        _card(
            label="Overdue",
            value=devices["overdue"],
            hint="past the promised date",
            icon="bi-alarm",
            colour="danger",
            url=route_url("devices:overdue"),
            alert=devices["overdue"] > 0,
        ),
    ]
    today_cards = [
        _card(
            label="Closed today",
            value=devices["closed_today"],
            hint="repaired and billed, or returned",
            icon="bi-check2-circle",
            colour="teal",
            url=_url("billing:closed_devices", closed_after=day, closed_before=day),
            extra_url=route_url("billing:closed_devices"),
            extra_label=f"{devices['closed_total']} closed in total",
        ),
        _card(
            label="Bills today",
            value=bills["count"],
            amount=bills["amount"],
            hint="billed",
            icon="bi-receipt",
            colour="indigo",
            url=_url("billing:closed_devices", closed_after=day, closed_before=day),
        ),
        _card(
            label="Payments today",
            value=payments["count"],
            amount=payments["amount"],
            hint="received",
            refunded=payments["refunded"],
            icon="bi-cash-coin",
            colour="success",
            url=_url("billing:payment_list", received_after=day, received_before=day),
        ),
        _card(
            label="Taken in today",
            value=devices["received_today"],
            hint="new jobs at the counter",
            icon="bi-box-arrow-in-down",
            colour="secondary",
            url=_url(devices_url, received_after=day, received_before=day),
        ),
    ]
    lead_cards = [
        _card(
            label="Open leads",
            value=leads["open"],
            amount=leads["pipeline"],
            hint="in the pipeline",
            icon="bi-megaphone",
            colour="purple",
            url=_url("crm:lead_list", status="open"),
        ),
        _card(
            label="Follow-ups due",
            value=leads["follow_ups_due"],
            hint=(f"{leads['follow_ups_today']} today · {leads['follow_ups_overdue']} overdue"),
            icon="bi-telephone-outbound",
            colour="orange",
            url=_url("crm:lead_list", follow_up="due"),
            alert=leads["follow_ups_overdue"] > 0,
        ),
    ]
    context = {
        "now": now,
        "today": today,
        "greeting": _greeting(now),
        "sections": [
            {"title": "Workshop", "icon": "bi-tools", "cards": workshop_cards},
            {"title": "Today", "icon": "bi-calendar-check", "cards": today_cards},
            {"title": "Sales leads", "icon": "bi-megaphone", "cards": lead_cards, "new_lead": True},
        ],
        "devices": devices,
        "show_workloads": is_manager(user),
        "is_technician": technician,
    }
    if technician:
        context["my_jobs"] = my_open_jobs(user)
        context["my_jobs_url"] = _url(devices_url, mine=1)
    if context["show_workloads"]:
        context["workloads"] = technician_workloads(today=today)
        context["workload_max"] = max((t.open_jobs for t in context["workloads"]), default=0)
    return context
