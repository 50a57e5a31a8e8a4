"""On a phone (390 px): a list's rows are cards, every column visible without scrolling."""

import pytest
from playwright.sync_api import expect

from customers.tests.factories import CustomerFactory
from devices.tests.factories import DeviceFactory
from devices.workflow import device_assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_device_list_on_a_phone_shows_status_and_technician_without_scrolling_sideways(
    screen, front_desk, manager, technician, password
):
    device = DeviceFactory(
        customer=CustomerFactory(name="Lakshmi Narayan"),
        added_by=front_desk,
        brand="Epson",
        model="L3250",
        issue_description="Paper jam, lines on prints",
    )
    device_assign(device=device, technician=technician, by=manager)

    clerk = screen("clerk")
    clerk.page.set_viewport_size(PHONE)
    clerk.login("desk", password)
    page = clerk.go("/devices/")
    row = page.locator("tbody tr", has_text=device.job_number)
    status = row.locator("td[data-label='Status']")
    expect(status).to_contain_text("In repair")
    expect(row.locator("td[data-label='Technician']")).to_contain_text("Arun")
    clerk.shot("device_list_phone")

    box = status.locator(".badge").bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], "the status badge runs off the screen"
    assert _page_width(page) <= PHONE["width"], "the page scrolls sideways"


def test_a_row_swapped_in_on_a_phone_keeps_its_column_names(
    screen, front_desk, manager, technician, password
):
    first, second = (
        DeviceFactory(customer=CustomerFactory(name=name), added_by=front_desk)
        for name in ("Priya Sharma", "John Doe")
    )

    boss = screen("manager")
    boss.page.set_viewport_size(PHONE)
    boss.login("manager", password)
    page = boss.go("/device_assign")
    row = page.locator(f"#assign-row-{first.pk}")
    expect(row.locator("td[data-label='Customer']")).to_contain_text("Priya Sharma")

    # Assigning without choosing anyone (past the browser's own check): htmx puts the row
    # back with its error, still laid out as a card with its column names.
    page.locator(f"#assign-row-{first.pk} select").evaluate("select => select.required = false")
    row.get_by_role("button", name="Assign").click()
    row = page.locator(f"#assign-row-{first.pk}")
    expect(row.locator(".invalid-feedback")).to_be_visible()
    expect(row.locator("td[data-label='Customer']")).to_contain_text("Priya Sharma")
    expect(row.locator("td[data-label='Assign to']")).to_be_visible()
    boss.shot("assign_refused_phone")

    other = page.locator(f"#assign-row-{second.pk}")
    other.get_by_label(f"Technician for {second.job_number}").select_option(str(technician.pk))
    other.get_by_role("button", name="Assign").click()
    expect(page.locator(f"#assign-row-{second.pk}")).to_contain_text("Assigned to")
    assert _page_width(page) <= PHONE["width"], "the page scrolls sideways"


def test_on_a_phone_the_search_is_in_sight_and_the_other_filters_open_on_demand(
    screen, front_desk, password
):
    clerk = screen("clerk")
    clerk.page.set_viewport_size(PHONE)
    clerk.login("desk", password)
    page = clerk.go("/devices/")
    expect(page.get_by_label("Search")).to_be_visible()
    expect(page.get_by_label("Status")).to_be_hidden()
    page.get_by_role("button", name="More filters").click()
    expect(page.get_by_label("Status")).to_be_visible()
    clerk.shot("filters_opened")

    # A list filtered by a folded field shows that field, and says how many are in use.
    page.get_by_label("Status").select_option(label="Ready (delivery pending)")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_role("button", name="More filters (1)")).to_be_visible()
    expect(page.get_by_label("Status")).to_be_visible()

    page = clerk.go("/delivery_ready")
    expect(page.get_by_label("Technician")).to_be_hidden()
    page = clerk.go("/delivery_ready?balance=due")
    expect(page.get_by_label("Balance")).to_be_visible()


def test_the_service_page_fits_a_phone_with_a_long_model_and_its_parts(
    screen, front_desk, manager, technician, password
):
    from devices.services import part_add

    device = DeviceFactory(added_by=front_desk, brand="Lenovo", model="X" * 120)
    device_assign(device=device, technician=technician, by=manager)
    part_add(device=device, by=technician, name="Keyboard assembly", quantity=2, unit_cost="1450")

    tech = screen("technician")
    tech.page.set_viewport_size(PHONE)
    tech.login("tech", password)
    page = tech.go(f"/service/{device.pk}")
    row = page.locator("#parts tbody tr", has_text="Keyboard assembly")
    expect(row).to_contain_text("2 × ₹1,450.00")
    expect(row).to_contain_text("₹2,900.00")
    for shown in (page.locator("#running-total"), row.get_by_role("button", name="Remove")):
        box = shown.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], "off the right edge of the screen"
    tech.shot("service_phone")
    assert _page_width(page) <= PHONE["width"], "the page scrolls sideways"
