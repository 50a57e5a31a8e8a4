"""Telling the customer on WhatsApp (SPEC §2: a ready device's customer "can be told"):
the message for the device's state, opened in WhatsApp, noted on its timeline, and shown
on the delivery list so that nobody is told twice or forgotten."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import ShopSettings
from devices.models import DeviceEvent, DeviceStatus

pytestmark = pytest.mark.django_db

Message = DeviceEvent.Message
DELIVERY = "/delivery_ready"


def tell(client, device, kind):
    return client.post(reverse("devices:tell_customer", args=[device.pk, kind]))


def sent_text(response) -> tuple[str, str]:
    """The WhatsApp address a response opens: the number and the text filled in."""
    assert response.status_code == 302
    address = urlsplit(response["Location"])
    assert (address.scheme, address.netloc) == ("https", "wa.me")
    return address.path.strip("/"), parse_qs(address.query)["text"][0]


def delivery_row(client, device) -> str:
    html = client.get(DELIVERY).content.decode()
    return next(part for part in html.split("<tbody") if device.job_number in part)


def test_ready_message_gives_the_bill_and_the_balance_and_goes_on_the_timeline(
    john_doe, client_for, front_desk
):
    device, bill = john_doe
    shop = ShopSettings.load()
    shop.shop_name, shop.phone = "Sai Computers", "080 4123 4567"
    shop.save()

    number, text = sent_text(tell(client_for(front_desk), device, Message.READY))

    assert number == "919845012345"
    assert "Hello John Doe," in text
    assert f"HP Laptop Pavilion 15 (job {device.job_number}) is ready for collection" in text
    assert f"Bill {bill.number}: ₹2,500.00, balance due ₹500.00." in text
    assert "Sai Computers, 080 4123 4567" in text
    told = device.events.get(kind=DeviceEvent.Kind.MESSAGED)
    assert (told.by, told.to_value, told.note) == (front_desk, Message.READY, text)


def test_a_bill_paid_in_full_is_said_to_be_paid(john_doe, client_for, front_desk):
    device, bill = john_doe
    services.payment_record(device=device, amount="500", mode="cash", by=front_desk)

    _number, text = sent_text(tell(client_for(front_desk), device, Message.READY))

    assert f"Bill {bill.number}: ₹2,500.00, paid in full." in text
    assert "balance due" not in text


def test_job_details_give_the_promised_date_the_issue_and_the_advance(
    make_device, client_for, front_desk
):
    due = timezone.localdate() + datetime.timedelta(days=3)
    device = make_device(
        status=DeviceStatus.RECEIVED,
        expected_delivery_date=due,
        issue_description="Screen   flickers\nwhen the lid moves",
    )
    services.payment_record(device=device, amount="300", mode="cash", by=front_desk)

    _number, text = sent_text(tell(client_for(front_desk), device, Message.JOB_DETAILS))

    assert f"(job {device.job_number}) for: Screen flickers when the lid moves" in text
    assert f"We expect it ready by {due.day} {due:%b %Y}." in text
    assert "Advance received: ₹300.00." in text


def test_a_message_that_no_longer_fits_the_device_opens_nothing_and_says_why(
    make_device, client_for, front_desk
):
    in_repair = make_device()
    client = client_for(front_desk)

    for kind in (Message.READY, "no-such-message"):
        response = tell(client, in_repair, kind)
        assert response.status_code == 302
        assert response["Location"] == reverse("devices:service", args=[in_repair.pk])
        page = client.get(response["Location"]).content.decode()
        assert "that message no longer fits, so WhatsApp was not opened" in page
    assert not in_repair.events.filter(kind=DeviceEvent.Kind.MESSAGED).exists()


def test_the_service_page_offers_the_message_for_the_state_and_says_who_told(
    john_doe, make_device, client_for, front_desk, manager
):
    device, _bill = john_doe
    client = client_for(manager)
    url = reverse("devices:service", args=[device.pk])
    ready_button = reverse("devices:tell_customer", args=[device.pk, Message.READY])
    html = client.get(url).content.decode()
    assert ready_button in html and "Told:" not in html

    tell(client_for(front_desk), device, Message.READY)

    html = client.get(url).content.decode()
    assert f"Told: ready for collection, {timezone.localdate():%-d %b %Y}" in html
    assert f"by {front_desk}" in html
    waiting = make_device(status=DeviceStatus.RECEIVED)
    html = client.get(reverse("devices:service", args=[waiting.pk])).content.decode()
    assert reverse("devices:tell_customer", args=[waiting.pk, Message.JOB_DETAILS]) in html
    assert reverse("devices:tell_customer", args=[waiting.pk, Message.READY]) not in html


def test_the_delivery_list_says_who_was_told_since_the_device_was_ready(
    john_doe, client_for, front_desk, manager, technician
):
    device, _bill = john_doe
    client = client_for(front_desk)
    assert "not told yet" in delivery_row(client, device)

    tell(client, device, Message.READY)
    assert f"told {timezone.localdate():%-d %b %Y}" in delivery_row(client, device)

    # Reopened and closed again: it is ready anew, and the customer not yet told so.
    services.reopen_device(device=device, by=manager, reason="Fan noise came back")
    device.refresh_from_db()
    services.bill_close(device=device, by=technician)
    assert "not told yet" in delivery_row(client, device)


def test_a_payment_taken_in_a_delivery_row_keeps_the_row_told(john_doe, client_for, front_desk):
    device, _bill = john_doe
    client = client_for(front_desk)
    tell(client, device, Message.READY)

    response = client.post(
        reverse("billing:take_payment", args=[device.pk]),
        {"amount": "100", "mode": "cash", "ctx": "row", "idempotency_key": "k-told-1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"delivery-{device.pk}",
    )

    assert response.status_code == 200
    assert f"told {timezone.localdate():%-d %b %Y}" in response.content.decode()
