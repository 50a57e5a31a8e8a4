import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from customers.services import customer_find_by_whatsapp, customer_get_or_create
from customers.tests.factories import CustomerFactory
from devices.models import DeviceStatus
from devices.tests.factories import DeviceFactory

FORMS = ["98450 12345", "+91 98450 12345", "919845012345", "09845012345", "+91-98450-12345"]
LOOKUP = "/customers/lookup/"


@pytest.mark.django_db
def test_three_written_forms_are_one_customer():
    first, created = customer_get_or_create(whatsapp_number=FORMS[0], name="John Doe")
    assert created and first.whatsapp_number == "+919845012345"
    for typed in FORMS[1:]:
        again, created = customer_get_or_create(whatsapp_number=typed, name="Someone else")
        assert (again.pk, created) == (first.pk, False)
    assert Customer.objects.count() == 1
    assert Customer.objects.get().name == "John Doe"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", FORMS)
def test_find_by_whatsapp_in_any_form(typed):
    customer = CustomerFactory(whatsapp_number="+919845012345")
    assert customer_find_by_whatsapp(typed) == customer


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["12345", "98450", "abcdefghij", "+1 555", "", "98450abcde", "9845O12345"]
)
def test_invalid_numbers_are_refused_with_a_message(typed):
    with pytest.raises(ValidationError) as refused:
        customer_get_or_create(whatsapp_number=typed, name="X")
    assert refused.value.messages[0].startswith("Enter a")
    assert not Customer.objects.exists()
    assert customer_find_by_whatsapp(typed) is None


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["78344485217", "984501234567", "98450 123456"])
def test_a_local_number_with_a_digit_too_many_is_refused_not_read_as_foreign(typed):
    # Each of these, read as "+" and its digits, is a valid number abroad.
    CustomerFactory(whatsapp_number="+917834448521")
    with pytest.raises(ValidationError) as refused:
        customer_get_or_create(whatsapp_number=typed, name="Asha")
    assert "check the number" in refused.value.messages[0]
    assert Customer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["+44 7911 123456", "0044 7911 123456"])
def test_a_foreign_number_with_its_country_code_is_a_customer(typed):
    customer, created = customer_get_or_create(whatsapp_number=typed, name="Tom")
    assert created and customer.whatsapp_number == "+447911123456"


@pytest.mark.django_db
def test_a_number_copied_from_whatsapp_finds_the_customer(client_for, front_desk):
    # WhatsApp wraps a copied number in invisible direction marks.
    customer = CustomerFactory(name="Asha Rao", whatsapp_number="+919845012345")
    copied = "\u202a+91 98450 12345\u202c"
    assert customer_find_by_whatsapp(copied) == customer
    client = client_for(front_desk)
    assert "Asha Rao" in client.get(LOOKUP, {"whatsapp_number": copied}).content.decode()
    assert "Asha Rao" in client.get("/customers/", {"q": copied}).content.decode()


@pytest.mark.django_db
def test_letters_are_never_read_as_keypad_digits(client_for, front_desk):
    # phonenumbers would read "98450abcde" as 98450 22233: the look-up must not offer that
    # customer, nor intake file a device under their number.
    CustomerFactory(name="Meera Nair", whatsapp_number="+919845022233")
    html = client_for(front_desk).get(LOOKUP, {"whatsapp_number": "98450abcde"}).content.decode()
    assert "not a valid mobile" in html
    assert "Meera Nair" not in html
    assert customer_find_by_whatsapp("98450abcde") is None


@pytest.mark.django_db
def test_the_model_stores_the_number_normalised_and_unique():
    customer = Customer.objects.create(name="A", whatsapp_number="98450 12345")
    assert customer.whatsapp_number == "+919845012345"
    assert customer.whatsapp_link == "https://wa.me/919845012345"
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="B", whatsapp_number="919845012345")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "manager", "technician", "front_desk"])
def test_lookup_finds_an_existing_customer_and_fills_the_form(who, request, client_for):
    customer = CustomerFactory(
        name="Meera Nair",
        location="Kochi",
        email="meera@example.in",
        whatsapp_number="+919447012345",
    )
    DeviceFactory(customer=customer)
    DeviceFactory(customer=customer, status=DeviceStatus.DELIVERED)
    client = client_for(request.getfixturevalue(who))
    response = client.get(LOOKUP, {"whatsapp_number": "94470 12345"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Existing customer" in html
    assert "2 devices" in html and "1 still in the shop" in html
    # Out-of-band swaps replace the name, location and email inputs with the known values,
    # and remember which number they were filled for.
    assert html.count('hx-swap-oob="true"') == 4
    assert 'name="lookup_filled" value="+919447012345"' in html
    assert 'id="id_name"' in html and 'value="Meera Nair"' in html
    assert 'value="Kochi"' in html and 'value="meera@example.in"' in html


@pytest.mark.django_db
def test_lookup_of_a_customer_without_devices_says_it_is_their_first(client_for, front_desk):
    CustomerFactory(name="Lead Turned Customer", whatsapp_number="+919447012345")
    html = client_for(front_desk).get(LOOKUP, {"whatsapp_number": "9447012345"}).content.decode()
    assert "Existing customer" in html
    assert "First device from this customer." in html
    assert "0 devices" not in html and "brought before" not in html


@pytest.mark.django_db
def test_lookup_says_new_customer_for_an_unknown_valid_number(client_for, front_desk):
    html = (
        client_for(front_desk).get(LOOKUP, {"whatsapp_number": "+91 90000 12345"}).content.decode()
    )
    assert "New customer" in html
    assert "+91 90000 12345" in html
    assert "hx-swap-oob" not in html  # what the clerk typed is left alone


@pytest.mark.django_db
def test_lookup_does_not_fill_again_what_it_already_filled(client_for, front_desk):
    CustomerFactory(name="Meera Nair", whatsapp_number="+919447012345")
    html = (
        client_for(front_desk)
        .get(LOOKUP, {"whatsapp_number": "9447012345", "lookup_filled": "+919447012345"})
        .content.decode()
    )
    assert "Existing customer" in html
    assert "hx-swap-oob" not in html  # the clerk may have corrected the location since


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["+91 90000 12345", "9000", ""])
def test_changing_to_an_unknown_number_empties_the_filled_details(typed, client_for, front_desk):
    html = (
        client_for(front_desk)
        .get(LOOKUP, {"whatsapp_number": typed, "lookup_filled": "+919447012345"})
        .content.decode()
    )
    assert 'name="lookup_filled" value=""' in html
    assert 'id="id_name"' in html and "Meera" not in html
    assert html.count('value="') == 1  # only the empty marker: name, location, email blank


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", "Type the customer"),
        ("98450", "Keep typing"),
        ("+91 (984) 50-1", "Keep typing"),
        # The country code and the trunk 0 are not the number: these are still being typed.
        ("+91 98450 123", "Keep typing"),
        ("+91 98450 1234", "Keep typing"),
        ("0091 98450 1234", "Keep typing"),
        ("0 98450 1234", "Keep typing"),
        ("1234567890123", "not a valid mobile"),
        ("98450abc", "not a valid mobile"),
        ("ravi", "not a valid mobile"),
    ],
)
def test_lookup_while_typing_and_for_invalid_numbers(typed, expected, client_for, front_desk):
    html = client_for(front_desk).get(LOOKUP, {"whatsapp_number": typed}).content.decode()
    assert expected in html


@pytest.mark.django_db
def test_lookup_needs_login(anonymous):
    response = anonymous.get(LOOKUP, {"whatsapp_number": "9845012345"})
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.django_db
def test_lookup_refuses_post(client_for, front_desk):
    assert client_for(front_desk).post(LOOKUP, {"whatsapp_number": "1"}).status_code == 405
