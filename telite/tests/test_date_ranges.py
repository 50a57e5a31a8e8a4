"""Every list with a date range ("from" / "to") refuses a "to" before its "from" next to the
field, keeps what was typed, and filters by the "from" alone, instead of an empty list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from devices.tests.factories import DeviceFactory
from telite.forms_util import DateRangeForm

LISTS = [
    ("devices:device_list", "received"),
    ("billing:closed_devices", "closed"),
    ("billing:payment_list", "received"),
    ("crm:lead_list", "created"),
    ("billing:delivery_ready", "ready"),
    ("customers:customer_list", "added"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "prefix"), LISTS)
def test_a_to_day_before_the_from_day_is_refused_next_to_it(route, prefix, client_for, owner):
    response = client_for(owner).get(
        reverse(route), {f"{prefix}_after": "2026-03-12", f"{prefix}_before": "2026-03-01"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "pick a day on or after 12 Mar 2026" in html
    # Next to the "to" field, not in a banner.
    assert f'id="id_{prefix}_before_error"' in html
    assert "were not understood" not in html
    assert 'value="2026-03-12"' in html and 'value="2026-03-01"' in html


@pytest.mark.django_db
def test_the_list_is_then_filtered_by_the_from_day_alone(client_for, owner):
    today = timezone.localdate()
    customer = CustomerFactory()
    recent = DeviceFactory(customer=customer)
    old = DeviceFactory(customer=customer)
    old.received_at = timezone.now() - datetime.timedelta(days=30)
    old.save(update_fields=["received_at"])

    response = client_for(owner).get(
        reverse("devices:device_list"),
        {
            "received_after": (today - datetime.timedelta(days=2)).isoformat(),
            "received_before": (today - datetime.timedelta(days=10)).isoformat(),
        },
    )

    shown = {device.pk for device in response.context["page"].object_list}
    assert shown == {recent.pk}


@pytest.mark.django_db
def test_payment_totals_and_refunds_follow_the_from_day_alone(client_for, owner, front_desk):
    # The counter's cash figures: with "to" refused, the refunds beside the payments must
    # be of the same period, not of all time.
    from decimal import Decimal

    from billing.models import PaymentMode, Refund

    now = timezone.now()
    device = DeviceFactory()
    for days_ago, amount in [(0, "40.00"), (40, "99.00")]:
        Refund.objects.create(
            device=device,
            amount=Decimal(amount),
            mode=PaymentMode.CASH,
            reason="Part not needed",
            refunded_by=front_desk,
            refunded_at=now - datetime.timedelta(days=days_ago),
        )
    today = timezone.localdate()

    response = client_for(owner).get(
        reverse("billing:payment_list"),
        {
            "received_after": (today - datetime.timedelta(days=2)).isoformat(),
            "received_before": (today - datetime.timedelta(days=10)).isoformat(),
        },
    )

    assert response.context["totals"]["refunded"] == Decimal("40.00")
    assert [r.amount for r in response.context["refunds"]] == [Decimal("40.00")]


@pytest.mark.django_db
def test_closed_history_keeps_its_customer_banner_when_a_date_is_refused(client_for, owner):
    customer = CustomerFactory(name="Meera Nair")

    response = client_for(owner).get(
        reverse("billing:closed_devices"),
        {"customer": customer.pk, "closed_after": "2026-03-12", "closed_before": "2026-03-01"},
    )

    assert response.context["customer"] == customer


@pytest.mark.django_db
def test_the_delivery_list_and_the_customers_filter_by_their_dates(client_for, owner):
    from devices.models import DeviceStatus

    now = timezone.now()
    today = timezone.localdate()
    waiting_long = DeviceFactory(status=DeviceStatus.READY)
    waiting_long.ready_at = now - datetime.timedelta(days=20)
    waiting_long.save(update_fields=["ready_at"])
    waiting_since_today = DeviceFactory(status=DeviceStatus.READY)
    waiting_since_today.ready_at = now
    waiting_since_today.save(update_fields=["ready_at"])
    old_customer = CustomerFactory()
    old_customer.created_at = now - datetime.timedelta(days=400)
    old_customer.save(update_fields=["created_at"])
    client = client_for(owner)
    before = (today - datetime.timedelta(days=10)).isoformat()

    delivery = client.get(reverse("billing:delivery_ready"), {"ready_before": before})
    customers = client.get(reverse("customers:customer_list"), {"added_before": before})

    assert [row["pk"] for row in delivery.context["rows"]] == [waiting_long.pk]
    assert [c.pk for c in customers.context["page"].object_list] == [old_customer.pk]


def _range_form(data):
    form = DateRangeForm(data)
    form.fields["day_after"] = _date("From")
    form.fields["day_before"] = _date("To")
    return form


def _date(label):
    from django import forms

    return forms.DateField(label=label, required=False)


def test_a_range_in_order_or_open_at_one_end_is_accepted():
    for data in [
        {"day_after": "2026-03-01", "day_before": "2026-03-12"},
        {"day_after": "2026-03-12", "day_before": "2026-03-12"},
        {"day_after": "2026-03-12"},
        {"day_before": "2026-03-01"},
    ]:
        form = _range_form(data)
        assert form.is_valid(), (data, form.errors)


def test_a_reversed_range_keeps_the_from_day_and_drops_the_to_day():
    form = _range_form({"day_after": "2026-03-12", "day_before": "2026-03-01"})

    assert not form.is_valid()
    assert list(form.errors) == ["day_before"]
    assert form.cleaned_data == {"day_after": datetime.date(2026, 3, 12)}
