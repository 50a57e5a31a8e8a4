"""Chasing late work: an overdue device is reassigned with a new date and a reason."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.tests.factories import CustomerFactory
from devices.tests.factories import DeviceFactory
from devices.workflow import device_assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_overdue_device_is_reassigned_with_a_new_date_and_a_reason_on_its_timeline(
    screen, front_desk, manager, technician, other_technician, password
):
    today = timezone.localdate()
    device = DeviceFactory(
        customer=CustomerFactory(name="Lakshmi Rao"),
        added_by=front_desk,
        device_name="Desktop",
        brand="Lenovo",
        model="ThinkCentre M70",
        issue_description="Restarts every few minutes",
        expected_delivery_date=today - datetime.timedelta(days=3),
    )
    device = device_assign(device=device, technician=technician, by=manager)
    new_date = today + datetime.timedelta(days=2)
    reason = "Waiting for a motherboard from the distributor; Arun is on leave"

    boss = screen("manager")
    boss.login("manager", password)
    page = boss.page
    overdue_card = page.locator(".stat-card", has=page.get_by_role("link", name="Overdue"))
    expect(overdue_card.locator(".stat-value")).to_have_text("1")
    boss.shot("dashboard")
    overdue_card.get_by_role("link", name="Overdue").click()

    expect(page.get_by_role("heading", name="Overdue devices")).to_be_visible()
    row = page.locator(f"#overdue-{device.pk}")
    expect(row).to_contain_text("Lakshmi Rao")
    expect(row).to_contain_text(technician.get_full_name())
    expect(row).to_contain_text("3 days late")
    boss.shot("overdue_list")

    job = device.job_number
    row.get_by_label(f"Technician for {job}").select_option(
        label=f"{other_technician.get_full_name()} (0 in repair)"
    )
    row.get_by_label(f"New expected date for {job}").fill(new_date.isoformat())
    # Without a reason the reassignment is refused, next to the field, keeping the choices.
    row.get_by_role("button", name="Reassign").click()
    row = page.locator(f"#overdue-{device.pk}")
    expect(row.get_by_text("Give a reason: it is kept on the device's timeline.")).to_be_visible()
    expect(row.get_by_label(f"New expected date for {job}")).to_have_value(new_date.isoformat())
    expect(row.get_by_label(f"Technician for {job}")).to_have_value(str(other_technician.pk))
    boss.shot("reason_missing")

    row.get_by_label(f"Reason for {job}").fill(reason)
    row.get_by_role("button", name="Reassign").click()
    expect(
        page.get_by_role("alert").filter(
            has_text=f"{job} is now with {other_technician.get_full_name()}, "
            f"due {new_date:%d %b %Y}"
        )
    ).to_be_visible()
    expect(page.locator(f"#overdue-{device.pk}")).to_have_count(0)
    expect(page.get_by_text("Nothing is overdue.")).to_be_visible()
    boss.shot("overdue_cleared")

    # The job's timeline keeps who, when, from whom to whom, the new date, and why.
    page = boss.go(f"/service/{device.pk}")
    timeline = page.locator("#timeline")
    reassigned = timeline.locator("li").filter(has_text="Reassigned")
    expect(reassigned).to_contain_text(technician.get_full_name())
    expect(reassigned).to_contain_text(other_technician.get_full_name())
    expect(reassigned).to_contain_text(reason)
    expect(reassigned).to_contain_text(f"by {manager.get_full_name()}")
    deadline = timeline.locator("li").filter(has_text="Deadline changed")
    # Shown as stored (2026-11-26) today; a readable "26 Nov 2026" is welcome too.
    expect(deadline).to_contain_text(
        re.compile(re.escape(new_date.isoformat()) + "|" + re.escape(f"{new_date:%-d %b %Y}"))
    )
    expect(page.get_by_text("overdue", exact=False).filter(has_text="day")).to_have_count(0)
    boss.shot("timeline")

    # The new technician now has the job on their dashboard, due on the new date.
    tech = screen("new_technician")
    tech.login("tech2", password)
    my_jobs = tech.page.locator(".card", has=tech.page.get_by_role("heading", name="My open jobs"))
    expect(my_jobs.get_by_role("row").filter(has_text=job)).to_contain_text(f"{new_date:%-d %b}")
    tech.shot("dashboard")
