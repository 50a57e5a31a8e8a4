"""Reads on leads that pages share: each a fixed number of queries, whatever the rows."""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from customers.models import Customer
from telite.dates import day_end, day_start
from telite.money import to_money

from .models import Lead, LeadNote, LeadSource, LeadStatus


def follow_up_due_q(today: datetime.date) -> Q:
    """Open leads whose follow-up is today or already past."""
    return Q(status__in=Lead.OPEN, follow_up_date__lte=today)


def lead_queryset() -> QuerySet[Lead]:
    """Leads with what a list row shows, one query for a whole page."""
    return Lead.objects.select_related("owner", "customer")


def lead_tab_counts(*, today: datetime.date | None = None) -> dict[str, int]:
    """Counts for the tabs above the lead list, in one query."""
    today = today or timezone.localdate()
    return Lead.objects.aggregate(
        all=Count("pk"),
        open=Count("pk", filter=Q(status__in=Lead.OPEN)),
        due=Count("pk", filter=follow_up_due_q(today)),
        won=Count("pk", filter=Q(status=LeadStatus.WON)),
        lost=Count("pk", filter=Q(status=LeadStatus.LOST)),
    )


def lead_get(pk: int) -> Lead:
    """The lead or 404 (every role may see every lead: SPEC §5)."""
    return get_object_or_404(Lead.objects.select_related("owner", "customer", "created_by"), pk=pk)


def lead_timeline(lead: Lead) -> QuerySet[LeadNote]:
    """Oldest first, like a device's timeline: the story reads top to bottom."""
    return lead.notes.select_related("by").order_by("at", "pk")


def lead_related(lead: Lead) -> dict:
    """Other leads from the same number and a customer who already has it (two queries)."""
    others = list(
        Lead.objects.filter(phone=lead.phone).exclude(pk=lead.pk).order_by("-created_at")[:5]
    )
    customer = None
    if not lead.customer_id:
        customer = Customer.objects.filter(whatsapp_number=lead.phone).first()
    return {"other_leads": others, "existing_customer": customer}


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def lead_metrics(*, start: datetime.date, end: datetime.date) -> dict:
    """Conversion figures for leads created from ``start`` to ``end`` (both inclusive),
    by their status today. Three aggregate queries, never a row loaded.

    Conversion rate is won / (won + lost): of the leads that are decided, how many we won.
    The win rate is won / all created in the period.
    """
    period = Lead.objects.filter(created_at__gte=day_start(start), created_at__lt=day_end(end))
    won = Q(status=LeadStatus.WON)
    totals = period.aggregate(
        total=Count("pk"),
        **{f"n_{value}": Count("pk", filter=Q(status=value)) for value in LeadStatus.values},
        value_won=Sum("estimated_value", filter=won),
        value_open=Sum("estimated_value", filter=Q(status__in=Lead.OPEN)),
        converted=Count("pk", filter=Q(customer__isnull=False)),
    )
    by_source_rows = {
        row["source"]: row
        for row in period.values("source").annotate(
            total=Count("pk"),
            won=Count("pk", filter=won),
            lost=Count("pk", filter=Q(status=LeadStatus.LOST)),
            value_won=Sum("estimated_value", filter=won),
        )
    }
    by_owner = list(
        period.values("owner", "owner__username", "owner__first_name", "owner__last_name")
        .annotate(
            total=Count("pk"),
            won=Count("pk", filter=won),
            lost=Count("pk", filter=Q(status=LeadStatus.LOST)),
            value_won=Sum("estimated_value", filter=won),
        )
        .order_by("-won", "-total", "owner__username")
    )
    total = totals["total"]
    n_won, n_lost = totals[f"n_{LeadStatus.WON}"], totals[f"n_{LeadStatus.LOST}"]
    by_status = [
        {
            "status": value,
            "label": label,
            "count": totals[f"n_{value}"],
            "share": _percent(totals[f"n_{value}"], total),
        }
        for value, label in LeadStatus.choices
    ]
    by_source = []
    for value, label in LeadSource.choices:
        row = by_source_rows.get(value)
        if not row:
            continue
        by_source.append(
            {
                "source": value,
                "label": label,
                "total": row["total"],
                "won": row["won"],
                "lost": row["lost"],
                "value_won": to_money(row["value_won"]),
                "conversion_rate": _percent(row["won"], row["won"] + row["lost"]),
            }
        )
    for row in by_owner:
        full = f"{row['owner__first_name'] or ''} {row['owner__last_name'] or ''}".strip()
        row["name"] = full or row["owner__username"] or "No owner"
        row["value_won"] = to_money(row["value_won"])
        row["conversion_rate"] = _percent(row["won"], row["won"] + row["lost"])
    return {
        "total": total,
        "won": n_won,
        "lost": n_lost,
        "open": total - n_won - n_lost,
        "converted": totals["converted"],
        "conversion_rate": _percent(n_won, n_won + n_lost),
        "win_rate": _percent(n_won, total),
        "value_won": to_money(totals["value_won"]),
        "value_open": to_money(totals["value_open"]),
        "by_status": by_status,
        "by_source": by_source,
        "by_owner": by_owner,
    }
