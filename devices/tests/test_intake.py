import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from devices.models import Device, DeviceEvent, DevicePhoto, JobCounter, Service
from devices.services import device_intake
from devices.tests.helpers import image_upload, intake_data, text_pretending_to_be_jpeg

URL = "/add_device"


def counter_value():
    row = JobCounter.objects.filter(year=timezone.localdate().year).first()
    return row.last_number if row else 0


def nothing_written():
    return (
        Customer.objects.count() == 0
        and Device.objects.count() == 0
        and Payment.objects.count() == 0
        and DevicePhoto.objects.count() == 0
        and DeviceEvent.objects.count() == 0
        and counter_value() == 0
    )


@pytest.mark.django_db
def test_intake_page_offers_a_fresh_form_key_and_a_default_date(client_for, front_desk):
    response = client_for(front_desk).get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert isinstance(form.initial["intake_key"], uuid.UUID)
    assert form.initial["expected_delivery_date"] > timezone.localdate()
    assert 'list="device-types"' in response.content.decode()
    assert 'hx-get="/customers/lookup/"' in response.content.decode()


@pytest.mark.django_db
def test_intake_creates_customer_device_service_event_and_opens_the_slip(client_for, front_desk):
    response = client_for(front_desk).post(URL, intake_data())
    device = Device.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("devices:slip", args=[device.pk])
    assert device.job_number == f"J-{timezone.localdate().year}-00001"
    assert device.status == Device.Status.RECEIVED
    assert device.added_by == front_desk
    assert device.expected_budget == Decimal("2500.00")
    customer = device.customer
    assert (customer.name, customer.whatsapp_number, customer.location) == (
        "John Doe",
        "+919845012345",
        "Jayanagar",
    )
    service = Service.objects.get(device=device)
    assert service.updated_by is None  # nobody has worked on it yet
    event = device.events.get()
    assert (event.kind, event.by) == (DeviceEvent.Kind.RECEIVED, front_desk)


@pytest.mark.django_db
def test_intake_for_a_known_number_in_another_format_reuses_the_customer(client_for, front_desk):
    existing = CustomerFactory(whatsapp_number="+919845012345", name="John Doe", location="")
    client_for(front_desk).post(
        URL, intake_data(whatsapp_number="919845012345", name="Typed Differently")
    )
    device = Device.objects.get()
    assert device.customer == existing
    existing.refresh_from_db()
    assert existing.name == "John Doe"  # what was typed does not overwrite the name
    assert existing.location == "Jayanagar"  # an empty location is filled in
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_details_typed_over_a_known_customers_are_kept_on_file_and_the_clerk_is_told(
    client_for, front_desk
):
    from django.contrib.messages import get_messages

    existing = CustomerFactory(
        whatsapp_number="+919845012345", name="John Doe", location="Jayanagar", email=""
    )
    response = client_for(front_desk).post(
        URL,
        intake_data(name="Johnny Different", location="Koramangala", email="j@example.in"),
    )

    existing.refresh_from_db()
    assert (existing.name, existing.location) == ("John Doe", "Jayanagar")
    assert existing.email == "j@example.in"  # an empty email is filled in
    said = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "info"]
    assert said == [
        "The name and location on file for John Doe were kept, not the ones typed; a manager "
        "can change them in the back office."
    ]


@pytest.mark.django_db
def test_a_refused_intake_shows_the_known_customers_name_not_the_typed_one(client_for, front_desk):
    CustomerFactory(whatsapp_number="+919845012345", name="John Doe", location="Jayanagar")
    response = client_for(front_desk).post(
        URL, intake_data(name="Johnny Different", issue_description="")
    )
    assert response.status_code == 200
    html = response.content.decode()
    name_input = html[html.index('name="name"') :].split(">", 1)[0]
    assert 'value="John Doe"' in name_input and "readonly" in name_input
    assert "Johnny Different" not in html


@pytest.mark.django_db
def test_a_known_customers_details_are_shown_read_only_at_the_counter(client_for, front_desk):
    customer = CustomerFactory(whatsapp_number="+919845012345", name="Meera Nair", email="")
    client = client_for(front_desk)

    filled = client.get(reverse("customers:lookup"), {"whatsapp_number": "98450 12345"})
    prefilled = client.get(URL, {"customer": customer.pk})

    for response in (filled, prefilled):
        html = response.content.decode()
        name_input = html[html.index('name="name"') :].split(">", 1)[0]
        email_input = html[html.index('name="email"') :].split(">", 1)[0]
        assert "readonly" in name_input
        assert "readonly" not in email_input  # nothing on file: intake fills it in


@pytest.mark.django_db
def test_known_customer_needs_no_name_but_a_new_one_does(client_for, front_desk):
    client = client_for(front_desk)
    response = client.post(URL, intake_data(name=""))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Enter the new customer's name."]
    CustomerFactory(whatsapp_number="+919845012345")
    response = client.post(URL, intake_data(name=""))
    assert response.status_code == 302


@pytest.mark.django_db
def test_second_intake_gets_the_next_job_number(client_for, front_desk):
    client = client_for(front_desk)
    client.post(URL, intake_data())
    client.post(URL, intake_data(whatsapp_number="98450 55555", name="Asha"))
    year = timezone.localdate().year
    assert sorted(Device.objects.values_list("job_number", flat=True)) == [
        f"J-{year}-00001",
        f"J-{year}-00002",
    ]


@pytest.mark.django_db
def test_posting_the_same_form_twice_takes_one_device_in(client_for, front_desk):
    client = client_for(front_desk)
    data = intake_data(advance_amount="500")
    first = client.post(URL, data)
    second = client.post(URL, data, follow=True)
    device = Device.objects.get()
    assert first["Location"] == reverse("devices:slip", args=[device.pk])
    assert second.redirect_chain[-1][0] == reverse("devices:slip", args=[device.pk])
    assert "already sent" in second.content.decode()
    assert Payment.objects.count() == 1
    assert counter_value() == 1


@pytest.mark.django_db
def test_same_key_through_the_service_raises_already_done(front_desk):
    from devices.services import IntakeAlreadyDone

    key = uuid.uuid4()
    kwargs = dict(
        by=front_desk,
        customer={"whatsapp_number": "9845012345", "name": "A", "location": "", "email": ""},
        device={
            "device_name": "Printer",
            "issue_description": "Paper jam",
            "expected_delivery_date": timezone.localdate(),
        },
        intake_key=key,
    )
    first = device_intake(**kwargs)
    with pytest.raises(IntakeAlreadyDone) as again:
        device_intake(**kwargs)
    assert again.value.device == first
    assert counter_value() == 1


@pytest.mark.django_db
def test_refused_form_writes_nothing_and_keeps_what_was_typed(client_for, front_desk):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    data = intake_data(expected_delivery_date=yesterday, issue_description="Fan noise")
    response = client_for(front_desk).post(URL, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "expected_delivery_date" in form.errors
    assert form["issue_description"].value() == "Fan noise"
    assert form["intake_key"].value() == data["intake_key"]  # a retry stays idempotent
    assert 'value="John Doe"' in response.content.decode()
    assert nothing_written()


@pytest.mark.django_db
def test_an_empty_intake_says_what_each_required_box_wants(client_for, front_desk):
    empty = dict.fromkeys(intake_data(), "") | {"intake_key": str(uuid.uuid4())}
    response = client_for(front_desk).post(URL, empty)
    errors = response.context["form"].errors
    wanted = {
        "whatsapp_number": "WhatsApp number",
        "device_name": "what the device is",
        "issue_description": "Describe the problem",
        "expected_delivery_date": "date promised",
    }
    for name, says in wanted.items():
        assert says in errors[name][0], name
    assert nothing_written()


@pytest.mark.django_db
def test_invalid_number_is_refused_with_a_message(client_for, front_desk):
    response = client_for(front_desk).post(URL, intake_data(whatsapp_number="12345"))
    assert response.status_code == 200
    assert "valid mobile number" in response.context["form"].errors["whatsapp_number"][0]
    assert nothing_written()


@pytest.mark.django_db
def test_refusal_inside_the_transaction_rolls_everything_back(client_for, front_desk, monkeypatch):
    """The advance is refused after customer, device and job number were written."""
    from django.core.exceptions import ValidationError

    import billing.services

    def refuse(**kwargs):
        raise ValidationError({"amount": "The payment desk is closed."})

    monkeypatch.setattr(billing.services, "payment_record", refuse)
    response = client_for(front_desk).post(
        URL, intake_data(advance_amount="300"), format="multipart"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["advance_amount"] == ["The payment desk is closed."]
    assert nothing_written()


@pytest.mark.django_db
def test_advance_is_recorded_as_an_advance_payment(client_for, front_desk):
    client_for(front_desk).post(
        URL, intake_data(advance_amount="500.50", advance_mode="upi", advance_reference="UPI123")
    )
    payment = Payment.objects.get()
    device = Device.objects.get()
    assert payment.device == device
    assert payment.amount == Decimal("500.50")
    assert (payment.mode, payment.reference, payment.is_advance) == ("upi", "UPI123", True)
    assert payment.received_by == front_desk
    assert device.events.filter(kind=DeviceEvent.Kind.PAYMENT).exists()


@pytest.mark.django_db
def test_an_advance_typed_with_a_rupee_mark_and_slash_dash_is_recorded_in_full(
    client_for, front_desk
):
    client_for(front_desk).post(URL, intake_data(advance_amount="₹1,500/-"))
    assert Payment.objects.get().amount == Decimal("1500.00")


@pytest.mark.django_db
def test_an_advance_that_is_not_an_amount_is_refused_not_taken_as_zero(client_for, front_desk):
    response = client_for(front_desk).post(URL, intake_data(advance_amount="1500 rupees"))
    form = response.context["form"]
    assert form.errors["advance_amount"] == ["Enter the amount as a number, e.g. 1500 or 1,500.50."]
    assert form["advance_amount"].value() == "1500 rupees"
    assert nothing_written()


@pytest.mark.django_db
def test_negative_advance_is_refused(client_for, front_desk):
    response = client_for(front_desk).post(URL, intake_data(advance_amount="-5"))
    assert "advance_amount" in response.context["form"].errors
    assert nothing_written()


@pytest.mark.django_db
def test_negative_budget_is_refused_next_to_the_field_and_keeps_what_was_typed(
    client_for, front_desk
):
    data = intake_data(expected_budget="-5", issue_description="Fan noise")
    response = client_for(front_desk).post(URL, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "The budget cannot be negative" in form.errors["expected_budget"][0]
    assert form["issue_description"].value() == "Fan noise"
    assert nothing_written()


@pytest.mark.django_db
def test_photos_are_stored_under_server_made_names(client_for, front_desk):
    data = intake_data()
    data["photos"] = [image_upload("../../etc/passwd.jpg"), image_upload("back.png", fmt="PNG")]
    response = client_for(front_desk).post(URL, data)
    assert response.status_code == 302
    photos = list(DevicePhoto.objects.order_by("pk"))
    assert len(photos) == 2
    for photo in photos:
        assert photo.image.name.startswith("device-photos/")
        assert "passwd" not in photo.image.name and "back" not in photo.image.name
        assert photo.uploaded_by == front_desk
    assert photos[0].image.name.endswith(".jpg")
    assert photos[1].image.name.endswith(".png")


@pytest.mark.django_db
def test_a_text_file_named_jpg_is_refused(client_for, front_desk):
    data = intake_data()
    data["photos"] = [text_pretending_to_be_jpeg()]
    response = client_for(front_desk).post(URL, data)
    assert response.status_code == 200
    errors = response.context["form"].errors["photos"]
    assert any("image" in e.lower() for e in errors)
    assert nothing_written()
    assert "choose them again" in response.content.decode()


@pytest.mark.django_db
def test_an_oversize_photo_is_refused(client_for, front_desk, settings):
    settings.PHOTO_MAX_MB = 1
    big = image_upload(size=(3000, 3000), fmt="PNG", name="big.png")
    big_bytes = big.read()
    # Pad a valid PNG past the limit (trailing bytes after IEND are ignored by readers).
    from django.core.files.uploadedfile import SimpleUploadedFile

    padded = SimpleUploadedFile("big.png", big_bytes + b"\0" * (1024 * 1024 + 1), "image/png")
    data = intake_data()
    data["photos"] = [padded]
    response = client_for(front_desk).post(URL, data)
    assert response.status_code == 200
    assert any("at most 1 MB" in e for e in response.context["form"].errors["photos"])
    assert nothing_written()


@pytest.mark.django_db
def test_customer_query_parameter_prefills_the_customer(client_for, front_desk):
    customer = CustomerFactory(name="Meera Nair", location="Kochi", whatsapp_number="+919447012345")
    response = client_for(front_desk).get(URL, {"customer": customer.pk})
    form = response.context["form"]
    assert form.initial["name"] == "Meera Nair"
    assert form.initial["location"] == "Kochi"
    assert "Existing customer" in response.content.decode()


@pytest.mark.django_db
def test_unknown_customer_query_parameter_is_ignored_with_a_note(client_for, front_desk):
    response = client_for(front_desk).get(URL, {"customer": 999})
    assert response.status_code == 200
    assert "no longer exists" in response.content.decode()
    assert client_for(front_desk).get(URL, {"customer": "abc"}).status_code == 200


@pytest.mark.django_db
def test_slip_shows_everything_the_customer_signs_for(client_for, front_desk):
    from billing.models import ShopSettings

    shop = ShopSettings.load()
    shop.shop_name = "Bright Computers"
    shop.intake_terms = "Collect within 30 days."
    shop.save()
    client = client_for(front_desk)
    client.post(URL, intake_data(advance_amount="500"))
    device = Device.objects.get()
    page = client.get(reverse("devices:slip", args=[device.pk])).content.decode()
    for text in (
        "Bright Computers",
        device.job_number,
        "John Doe",
        "+91 98450 12345",
        "HP Laptop Pavilion 15",
        "No power on",
        "Charger, bag",
        "Scratches on lid",
        "₹2,500.00",
        "₹500.00",
        "Collect within 30 days.",
        "Customer's signature",
        "Take the next device in",
        "window.print()",
    ):
        assert text in page, text


@pytest.mark.django_db
def test_slip_keeps_the_shop_phone_and_the_time_unbroken(client_for, front_desk):
    from billing.models import ShopSettings

    shop = ShopSettings.load()
    shop.phone = "+91 80 4123 4567"
    shop.save()
    client = client_for(front_desk)
    client.post(URL, intake_data())
    device = Device.objects.get()
    page = client.get(reverse("devices:slip", args=[device.pk])).content.decode()
    assert '<span class="text-nowrap">+91 80 4123 4567</span>' in page
    received = timezone.localtime(device.received_at)
    time = f"{received:%I:%M}".lstrip("0") + f" {received:%p}"
    assert f'<span class="text-nowrap">{time}</span>' in page


@pytest.mark.django_db
def test_slip_carries_the_shop_logo_as_the_bill_does(client_for, front_desk, settings, tmp_path):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from billing.models import ShopSettings

    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(front_desk)
    client.post(URL, intake_data())
    device = Device.objects.get()
    slip = reverse("devices:slip", args=[device.pk])
    assert 'class="slip-logo' not in client.get(slip).content.decode()  # no logo: no broken image
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (15, 76, 92)).save(buffer, format="PNG")
    shop = ShopSettings.load()
    shop.logo.save("logo.png", ContentFile(buffer.getvalue()))
    page = client.get(slip).content.decode()
    src = re.search(r'<img class="slip-logo[^"]*" src="([^"]+)"', page).group(1)
    logo = client.get(src.replace("&amp;", "&"))
    assert logo.status_code == 200 and b"".join(logo.streaming_content) == buffer.getvalue()


@pytest.mark.django_db
def test_slip_of_a_missing_device_is_404(client_for, front_desk):
    assert client_for(front_desk).get("/devices/999/slip/").status_code == 404


@pytest.mark.django_db
def test_a_missing_issue_is_asked_for_in_the_shops_words(client_for, front_desk):
    response = client_for(front_desk).post(URL, intake_data(issue_description=""))
    assert response.context["form"].errors["issue_description"] == [
        "Describe the problem the customer reports, e.g. no power, broken screen."
    ]
    assert nothing_written()
