"""At the counter: taking devices in, the intake slip, and the WhatsApp look-up."""

import re

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from devices.models import Device

from .data import device_taken_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOB_NUMBER = re.compile(r"J-\d{4}-\d{5}")


def test_clerk_takes_a_device_in_for_a_new_customer_and_prints_the_slip(
    screen, front_desk, password
):
    clerk = screen("clerk")
    clerk.login("desk", password)
    page = clerk.go("/add_device")
    expect(page.get_by_role("heading", name="Take a device in")).to_be_visible()
    clerk.shot("intake_empty")

    # The number is typed key by key, as at the counter: the look-up answers "new customer".
    page.get_by_label("WhatsApp number").press_sequentially("98450 12345")
    lookup = page.locator("#customer-lookup")
    expect(lookup).to_contain_text("New customer")
    expect(lookup).to_contain_text("+91 98450 12345")

    page.get_by_label("Name").fill("Ramesh Kumar")
    page.get_by_label("Location").fill("Jayanagar, Bengaluru")
    page.get_by_label("Device type").fill("Laptop")
    page.get_by_label("Brand").fill("HP")
    page.get_by_label("Model").fill("Pavilion 15")
    page.get_by_label("Serial number").fill("5CD1234XYZ")
    page.get_by_label("Issue").fill("No power on")
    page.get_by_label("Accessories received").fill("Charger, bag")
    page.get_by_label("Expected budget").fill("2500")
    page.get_by_label("Advance received").fill("500")
    clerk.shot("intake_filled")
    page.get_by_role("button", name="Take in & print slip").click()

    # The slip opens: job number, customer, device and issue, with the advance taken.
    expect(page.get_by_text("Intake slip / job sheet")).to_be_visible()
    device = Device.objects.select_related("customer").get()
    assert JOB_NUMBER.fullmatch(device.job_number)
    expect(
        page.get_by_role("alert").filter(has_text=f"{device.job_number} taken in for Ramesh Kumar")
    ).to_be_visible()
    slip = page.locator(".slip .card")
    expect(slip.locator(".slip-job")).to_have_text(device.job_number)
    expect(slip).to_contain_text("Ramesh Kumar")
    expect(slip).to_contain_text("+91 98450 12345")
    expect(slip).to_contain_text("Jayanagar, Bengaluru")
    expect(slip).to_contain_text("HP Laptop Pavilion 15")
    expect(slip).to_contain_text("5CD1234XYZ")
    expect(slip).to_contain_text("No power on")
    expect(slip).to_contain_text("Charger, bag")
    expect(slip.get_by_role("row", name="Advance paid")).to_contain_text("₹500.00")
    expect(slip.get_by_role("row", name="Expected budget")).to_contain_text("₹2,500.00")
    expect(page.get_by_role("button", name="Print slip")).to_be_visible()
    clerk.shot("slip")

    # On paper the navigation and the buttons are gone; the slip itself stays.
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Print slip")).to_be_hidden()
    expect(slip.locator(".slip-job")).to_be_visible()
    clerk.shot("slip_print")
    page.emulate_media(media="screen")

    # The job is findable by its number straight away.
    page = clerk.go(f"/devices/?q={device.job_number}")
    expect(page.get_by_role("link", name=device.job_number)).to_be_visible()
    clerk.shot("device_list_search")


def test_second_device_for_the_same_customer_fills_in_name_and_location_from_the_number(
    screen, front_desk, password
):
    first = device_taken_in(
        whatsapp="9845012345", name="Ramesh Kumar", location="Jayanagar", by=front_desk
    )
    clerk = screen("clerk")
    clerk.login("desk", password)
    page = clerk.go("/add_device")

    # Typed in another format than the first time: the same customer is found.
    page.get_by_label("WhatsApp number").press_sequentially("+91 98450 12345")
    lookup = page.locator("#customer-lookup")
    expect(lookup).to_contain_text("Existing customer: Ramesh Kumar, Jayanagar")
    expect(lookup).to_contain_text("1 device brought before, 1 still in the shop")
    expect(page.get_by_label("Name")).to_have_value("Ramesh Kumar")
    expect(page.get_by_label("Location")).to_have_value("Jayanagar")
    clerk.shot("lookup_existing")

    page.get_by_label("Device type").fill("Printer")
    page.get_by_label("Brand").fill("Epson")
    page.get_by_label("Model").fill("L3150")
    page.get_by_label("Issue").fill("Paper jam, prints blank pages")
    page.get_by_role("button", name="Take in & print slip").click()

    expect(page.get_by_text("Intake slip / job sheet")).to_be_visible()
    second = Device.objects.exclude(pk=first.pk).get()
    slip = page.locator(".slip .card")
    expect(slip.locator(".slip-job")).to_have_text(second.job_number)
    expect(slip).to_contain_text("Ramesh Kumar")
    expect(slip).to_contain_text("Epson Printer L3150")
    expect(slip).to_contain_text("Paper jam, prints blank pages")
    clerk.shot("slip_second_device")

    # One customer with two devices, not a duplicate made from the other format.
    assert Customer.objects.count() == 1
    assert second.customer_id == first.customer_id
    assert second.job_number != first.job_number
    page = clerk.go(f"/customers/{first.customer_id}/")
    expect(page.get_by_role("link", name=first.job_number)).to_be_visible()
    expect(page.get_by_role("link", name=second.job_number)).to_be_visible()
    clerk.shot("customer_two_devices")


def test_a_refused_intake_on_a_phone_puts_the_cursor_on_the_field_to_fix(
    screen, front_desk, password
):
    clerk = screen("clerk")
    clerk.login("desk", password)
    clerk.page.set_viewport_size({"width": 390, "height": 844})
    page = clerk.go("/add_device")
    page.get_by_label("WhatsApp number").fill("98450 12345")
    page.get_by_label("Name").fill("Ramesh Kumar")
    page.get_by_label("Device type").fill("Laptop")
    # No issue typed: refused.
    page.get_by_role("button", name="Take in & print slip").click()
    issue = page.get_by_label("Issue")
    expect(issue).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(issue).to_be_focused()  # not the WhatsApp box at the top
    expect(issue).to_be_in_viewport()
    clerk.shot("refused_intake_phone")
