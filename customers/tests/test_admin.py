import pytest
from django.urls import reverse

from customers.models import Customer
from customers.tests.factories import CustomerFactory
from devices.tests.factories import DeviceFactory


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["98450 12345", "+91 98450 12345", "919845012345", "Lakshmi"])
def test_admin_search_finds_a_number_in_any_form(term, client_for, manager):
    wanted = CustomerFactory(name="Lakshmi Rao", whatsapp_number="+919845012345")
    CustomerFactory()
    response = client_for(manager).get(reverse("admin:customers_customer_changelist"), {"q": term})
    assert list(response.context["cl"].result_list) == [wanted]


@pytest.mark.django_db
def test_admin_list_shows_counts_filters_and_date_hierarchy(client_for, manager):
    customer = CustomerFactory()
    DeviceFactory(customer=customer)
    CustomerFactory()
    client = client_for(manager)
    url = reverse("admin:customers_customer_changelist")
    response = client.get(url, {"in_shop": "yes"})
    assert list(response.context["cl"].result_list) == [customer]
    assert response.context["cl"].result_list[0].device_count == 1
    assert client.get(url, {"in_shop": "no"}).context["cl"].result_count == 1
    assert response.context["cl"].date_hierarchy == "created_at"


@pytest.mark.django_db
def test_admin_add_normalises_and_refuses_a_duplicate_in_another_form(client_for, manager):
    CustomerFactory(whatsapp_number="+919845012345")
    client = client_for(manager)
    url = reverse("admin:customers_customer_add")
    base = {"name": "New", "location": "", "email": "", "notes": ""}
    response = client.post(url, {**base, "whatsapp_number": "98450 12345"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    response = client.post(url, {**base, "whatsapp_number": "12345"})
    assert "valid mobile number" in response.content.decode()
    response = client.post(url, {**base, "whatsapp_number": "94470 12345"})
    assert response.status_code == 302
    assert Customer.objects.filter(whatsapp_number="+919447012345").exists()


@pytest.mark.django_db
def test_admin_keeps_a_history_of_changes(client_for, manager):
    customer = CustomerFactory(name="Old name")
    client = client_for(manager)
    response = client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        {
            "name": "New name",
            "whatsapp_number": customer.whatsapp_number,
            "location": "",
            "email": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert customer.history.count() == 2
    assert customer.history.first().history_user == manager
    history = client.get(reverse("admin:customers_customer_history", args=[customer.pk]))
    assert history.status_code == 200


@pytest.mark.django_db
def test_history_page_queries_do_not_grow_with_the_versions(
    client_for, owner, django_assert_max_num_queries
):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    def changed_by_each_of(people):
        customer = CustomerFactory()
        for n in range(people):
            customer._history_user = UserFactory(username=f"h{customer.pk}-{n}", role=Role.STAFF)
            customer.location = f"Place {n}"
            customer.save()
        return customer

    client = client_for(owner)
    counts = []
    for people in (3, 30):
        url = reverse("admin:customers_customer_history", args=[changed_by_each_of(people).pk])
        client.get(url)  # the session's first request reads more
        with django_assert_max_num_queries(200) as counted:
            assert client.get(url).status_code == 200
        counts.append(len(counted.captured_queries))
    assert counts[0] == counts[1]
