"""The back office: bills and payments are read-only; shop settings are one record."""

from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from billing.models import Bill, Payment, ShopSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def rf_request(manager):
    request = RequestFactory().get("/admin/")
    request.user = manager
    return request


@pytest.mark.parametrize("model", [Bill, Payment])
def test_bills_and_payments_cannot_be_added_changed_or_deleted_in_the_admin(
    model, rf_request, owner
):
    admin = site._registry[model]
    for user in (rf_request.user, owner):
        rf_request.user = user
        assert not admin.has_add_permission(rf_request)
        assert not admin.has_change_permission(rf_request)
        assert not admin.has_delete_permission(rf_request)
        assert admin.has_view_permission(rf_request)


def test_bill_admin_shows_lines_payments_and_a_link_to_the_correction(
    john_doe, client_for, manager
):
    _, bill = john_doe
    html = (
        client_for(manager)
        .get(reverse("admin:billing_bill_change", args=[bill.pk]))
        .content.decode()
    )
    assert bill.number in html
    assert "Power IC" in html
    assert "UPI-778812" in html
    assert reverse("billing:correct_bill", args=[bill.pk]) in html


def test_bill_admin_searches_by_number_customer_and_job(john_doe, client_for, manager):
    device, bill = john_doe
    client = client_for(manager)
    for query in (bill.number, "John Doe", device.job_number):
        html = client.get(reverse("admin:billing_bill_changelist"), {"q": query}).content.decode()
        assert bill.number in html, query
    html = client.get(
        reverse("admin:billing_bill_changelist"), {"status__exact": "paid"}
    ).content.decode()
    assert "0 bills" in html


def test_bill_history_cannot_be_reverted_by_posting_an_old_version(john_doe, client_for, owner):
    from billing import services

    _, bill = john_doe
    original = bill.history.earliest()
    services.bill_correct(bill=bill, by=owner, reason="Goodwill", discount="300")
    url = reverse("admin:billing_bill_simple_history", args=[bill.pk, original.history_id])
    client = client_for(owner)
    assert client.get(url).status_code == 200  # the old version can be looked at
    assert client.post(url, {}).status_code == 403
    bill.refresh_from_db()
    assert bill.discount == 300


def test_a_manager_cannot_revert_the_shop_settings(client_for, manager, owner):
    shop = ShopSettings.load()
    shop.shop_name = "Second name"
    shop.save()
    first = shop.history.earliest()
    url = reverse("admin:billing_shopsettings_simple_history", args=[1, first.history_id])
    assert client_for(manager).post(url, {}).status_code == 403
    assert ShopSettings.load().shop_name == "Second name"


def test_shop_settings_admin_is_one_record_for_admins(client_for, owner, manager):
    response = client_for(owner).get(reverse("admin:billing_shopsettings_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:billing_shopsettings_change", args=[ShopSettings.load().pk]
    )
    response = client_for(owner).post(
        reverse("admin:billing_shopsettings_change", args=[1]),
        {
            "shop_name": "Telite Computers",
            "address": "Jayanagar",
            "phone": "080 4123 4567",
            "email": "",
            "tax_id": "29ABCDE1234F1Z5",
            "bill_footer": "Thank you",
            "intake_terms": "Keep this slip",
            "currency_symbol": "₹",
        },
    )
    assert response.status_code == 302
    assert ShopSettings.load().shop_name == "Telite Computers"
    assert ShopSettings.objects.count() == 1
    # A manager may look but not change (SPEC §5: shop settings are the admin's).
    response = client_for(manager).post(
        reverse("admin:billing_shopsettings_change", args=[1]),
        {"shop_name": "Hijacked", "currency_symbol": "$"},
    )
    assert ShopSettings.load().shop_name == "Telite Computers"


def _shop_post(**extra):
    return {
        "shop_name": "Telite Computers",
        "address": "",
        "phone": "",
        "email": "",
        "tax_id": "",
        "bill_footer": "",
        "intake_terms": "",
        "currency_symbol": "₹",
        **extra,
    }


def test_the_staff_discount_limit_is_typed_as_money_is_written(client_for, owner):
    url = reverse("admin:billing_shopsettings_change", args=[ShopSettings.load().pk])
    page = client_for(owner).get(url).content.decode()
    assert 'name="staff_discount_limit"' in page and 'inputmode="decimal"' in page
    response = client_for(owner).post(url, _shop_post(staff_discount_limit="1,500/-"))
    assert response.status_code == 302
    assert ShopSettings.load().staff_discount_limit == Decimal("1500.00")


def test_a_limit_that_is_not_an_amount_is_refused_not_saved_as_no_limit(client_for, owner):
    shop = ShopSettings.load()
    shop.staff_discount_limit = Decimal("500")
    shop.save()
    url = reverse("admin:billing_shopsettings_change", args=[shop.pk])
    response = client_for(owner).post(url, _shop_post(staff_discount_limit="five hundred"))
    assert response.status_code == 200
    assert "Enter the amount as a number" in response.content.decode()
    assert ShopSettings.load().staff_discount_limit == Decimal("500.00")


def _bill_paid_by(clerks: int, make_device, technician):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory
    from billing import services

    device = make_device(labour="100000.00")
    bill = services.bill_close(device=device, by=technician)
    for n in range(clerks):
        clerk = UserFactory(username=f"c{device.pk}-{n}", role=Role.STAFF)
        services.payment_record(device=device, amount="10", mode="cash", by=clerk)
    return bill


def _queries_to_open(client, url, django_assert_max_num_queries):
    client.get(url)  # the session's first request reads more
    with django_assert_max_num_queries(200) as counted:
        assert client.get(url).status_code == 200
    return len(counted.captured_queries)


def test_bill_change_page_queries_do_not_grow_with_the_payments(
    client_for, owner, technician, make_device, django_assert_max_num_queries
):
    client = client_for(owner)
    few, many = (
        _queries_to_open(
            client,
            reverse(
                "admin:billing_bill_change", args=[_bill_paid_by(n, make_device, technician).pk]
            ),
            django_assert_max_num_queries,
        )
        for n in (3, 30)
    )
    assert many == few


def test_shop_settings_history_queries_do_not_grow_with_the_versions(
    client_for, owner, django_assert_max_num_queries
):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    settings_row = ShopSettings.load()
    url = reverse("admin:billing_shopsettings_history", args=[settings_row.pk])
    client = client_for(owner)
    counts = []
    for total in (3, 30):
        while settings_row.history.count() < total:
            n = settings_row.history.count()
            settings_row._history_user = UserFactory(username=f"s{n}", role=Role.ADMIN)
            settings_row.bill_footer = f"Thank you ({n})"
            settings_row.save()
        counts.append(_queries_to_open(client, url, django_assert_max_num_queries))
    assert counts[0] == counts[1]
