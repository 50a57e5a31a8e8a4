"""Lakh-size money, long names and long issues still fit: a phone (390 px) or a small laptop
(1280 px) shows every money column and button without scrolling a table sideways."""

import pytest
from playwright.sync_api import expect

from billing.services import payment_record
from crm.models import LeadStatus
from crm.tests.factories import LeadFactory

from .data import device_repaired, device_taken_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def _scrolls_sideways(page) -> list[str]:
    """Every .table-responsive box whose content is wider than the box itself."""
    return page.evaluate(
        """Array.from(document.querySelectorAll('.table-responsive'))
             .filter(e => e.scrollWidth > e.clientWidth + 1)
             .map(e => e.scrollWidth + '>' + e.clientWidth)"""
    )


def _inside_viewport(locator, width):
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_change_bill_on_a_phone_shows_the_amounts_without_scrolling_sideways(
    screen, front_desk, manager, technician, password
):
    device, bill = device_repaired(
        by=front_desk,
        technician=technician,
        manager=manager,
        labour="600",
        parts=[("Charging IC BQ24780S", 2, "125000.50"), ("Thermal paste", 1, "150")],
    )
    boss = screen("manager")
    boss.page.set_viewport_size(PHONE)
    boss.login("manager", password)
    page = boss.go(f"/bills/{bill.pk}/correct")
    total_row = page.locator("tfoot tr.fw-bold")
    expect(total_row).to_contain_text("₹2,50,751.00")
    expect(page.locator("tbody")).to_contain_text("2 × ₹1,25,000.50")
    boss.shot("correct_bill_phone")
    assert _inside_viewport(total_row.locator("td.money"), PHONE["width"]), (
        "the bill's total is off the right edge of the phone"
    )
    assert _scrolls_sideways(page) == []


def test_delivery_pending_on_a_laptop_shows_deliver_once_a_lakh_bill_is_paid(
    screen, front_desk, manager, technician, password
):
    device, bill = device_repaired(
        by=front_desk,
        technician=technician,
        manager=manager,
        labour="1250",
        parts=[("Motherboard", 1, "150000")],
        model="Latitude 5490 Business Ultrabook",
    )
    payment_record(device=device, amount=bill.bill_value, mode="card", by=front_desk)
    # Another job still owes lakhs: its row shows "Take payment" and a locked "Deliver".
    device_repaired(
        by=front_desk,
        technician=technician,
        manager=manager,
        labour="3950",
        parts=[("Charging IC BQ24780S", 2, "125000.50")],
        whatsapp="98801 12233",
        name="Mohammed Irfan",
        model="ThinkCentre M70q Tiny Gen 3",
    )
    clerk = screen("clerk")
    clerk.page.set_viewport_size(LAPTOP)
    clerk.login("desk", password)
    page = clerk.go("/delivery_ready")
    deliver = page.locator(f"#delivery-{device.pk}").get_by_role("button", name="Deliver")
    expect(deliver).to_be_attached()
    expect(page.get_by_role("button", name="Deliver", disabled=True)).to_be_visible()
    clerk.shot("delivery_laptop")
    assert _inside_viewport(deliver, LAPTOP["width"] - 80), "Deliver is scrolled out of sight"
    assert _scrolls_sideways(page) == []


def test_customer_page_on_a_laptop_shows_the_bill_column_beside_a_long_issue(
    screen, front_desk, manager, technician, password
):
    device, bill = device_repaired(
        by=front_desk,
        technician=technician,
        manager=manager,
        labour="2500",
        parts=[("Motherboard", 1, "150000")],
        model="Latitude 5490 Business Ultrabook Pro Edition",
        issue="No power on; smells burnt near the charging port after a power surge",
    )
    device_taken_in(by=front_desk, issue="Keyboard keys not working, water spilled last week")
    clerk = screen("clerk")
    clerk.page.set_viewport_size(LAPTOP)
    clerk.login("desk", password)
    page = clerk.go(f"/customers/{device.customer_id}/")
    bill_link = page.get_by_role("link", name=bill.number)
    expect(bill_link).to_be_attached()
    clerk.shot("customer_laptop")
    assert _inside_viewport(bill_link, LAPTOP["width"] - 80), "the bill number is cut off"
    assert _scrolls_sideways(page) == []


def test_lead_conversion_shows_value_won_and_keeps_lakhs_on_one_line(screen, front_desk, password):
    LeadFactory(status=LeadStatus.WON, estimated_value="285000", owner=front_desk)
    LeadFactory(status=LeadStatus.NEW, estimated_value="120000", owner=front_desk)
    clerk = screen("clerk")
    clerk.login("desk", password)
    for size in (LAPTOP, PHONE):
        clerk.page.set_viewport_size(size)
        page = clerk.go("/crm/metrics/")
        value_won = page.locator(".metric-value", has_text="₹2,85,000.00")
        expect(value_won).to_be_visible()
        clerk.shot(f"metrics_{size['width']}")
        if size is LAPTOP:
            header = page.locator("th", has_text="Value won").first
            assert _inside_viewport(header, LAPTOP["width"] - 80), "'Value won' is out of sight"
        assert value_won.bounding_box()["height"] < 40, "the money broke onto a second line"
        assert _inside_viewport(value_won, size["width"])
        assert _scrolls_sideways(page) == [], size
