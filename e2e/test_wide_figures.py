"""Lakh-size money, long names and long issues still fit: a phone (390 px) or a small laptop
(1280 px) shows every money column and button without scrolling a table sideways."""

import pytest
from playwright.sync_api import expect

from .data import device_repaired

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
