from .models import ShopSettings


def shop_settings() -> ShopSettings:
    """The shop's settings row (created with defaults on first use)."""
    return ShopSettings.load()


def customer_money_totals(customer_ids) -> dict[int, dict]:
    """Billed value, received and balance per customer, from live (not void) bills.

    One query whatever the number of customers; customers with no bill are absent.
    """
    from django.db.models import Sum

    from .models import Bill, BillStatus

    rows = (
        Bill.objects.filter(device__customer_id__in=list(customer_ids))
        .exclude(status=BillStatus.VOID)
        .values("device__customer_id")
        .annotate(billed=Sum("bill_value"), received=Sum("amount_received"))
    )
    return {
        r["device__customer_id"]: {
            "billed": r["billed"],
            "received": r["received"],
            "balance": r["billed"] - r["received"],
        }
        for r in rows
    }
