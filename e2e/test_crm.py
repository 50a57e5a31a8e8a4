"""Sales leads: from an enquiry to a customer at the counter."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Lead
from devices.models import Device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_is_created_followed_up_won_converted_and_a_device_taken_in_for_it(
    screen, front_desk, password
):
    next_call = timezone.localdate() + datetime.timedelta(days=2)
    clerk = screen("clerk")
    clerk.login("desk", password)
    page = clerk.go("/crm/")
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="No leads yet")).to_be_visible()
    clerk.shot("leads_empty")

    page.get_by_role("link", name="New lead").first.click()
    expect(page.get_by_role("heading", name="New lead")).to_be_visible()
    page.get_by_label("Name").fill("Suresh Traders")
    page.get_by_label("WhatsApp number").fill("99000 11223")
    page.get_by_label("Source").select_option(label="Walk-in")
    page.get_by_label("What they want").fill("Annual maintenance for 10 office desktops")
    page.get_by_label("Estimated value").fill("15000")
    page.get_by_label("First note").fill("Came to the counter, wants a quote by Friday")
    clerk.shot("lead_form")
    page.get_by_role("button", name="Save lead").click()

    expect(
        page.get_by_role("alert").filter(has_text="Lead “Suresh Traders” saved.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Suresh Traders")).to_contain_text("New")
    expect(page.get_by_text("+91 99000 11223")).to_be_visible()
    timeline = page.locator("#lead-timeline")
    expect(timeline).to_contain_text("Came to the counter, wants a quote by Friday")
    clerk.shot("lead_new")

    # Follow-up: a note on the timeline (in place), then the status and the next call.
    with clerk.without_reload():
        timeline.get_by_label("Add a note").fill("Called back, sent the quote on WhatsApp")
        timeline.get_by_role("button", name="Add note").click()
        expect(timeline.get_by_text("Note added.")).to_be_visible()
        expect(timeline).to_contain_text("Called back, sent the quote on WhatsApp")

    page.get_by_label("Status").select_option(label="Contacted")
    page.get_by_label("Next follow-up").fill(next_call.isoformat())
    page.get_by_label("Note", exact=True).fill("Will visit on Saturday with the purchase order")
    page.get_by_role("button", name="Update lead").click()
    expect(
        page.get_by_role("alert").filter(has_text="Status changed from New to Contacted.")
    ).to_be_visible()
    expect(page.locator(".lead-detail")).to_contain_text(f"{next_call:%-d %b %Y}")
    expect(page.locator("#lead-timeline")).to_contain_text(
        "Will visit on Saturday with the purchase order"
    )
    clerk.shot("lead_contacted")

    # It shows among today's and coming follow-ups on the list.
    page = clerk.go("/crm/?status=open")
    expect(page.get_by_role("row").filter(has_text="Suresh Traders")).to_contain_text("Contacted")
    clerk.shot("leads_open")
    page.get_by_role("link", name="Suresh Traders").click()

    page.get_by_label("Status").select_option(label="Won")
    page.get_by_label("Note", exact=True).fill("Purchase order received")
    page.get_by_role("button", name="Update lead").click()
    expect(
        page.get_by_role("alert").filter(has_text="Status changed from Contacted to Won.")
    ).to_be_visible()
    expect(page.get_by_text("Won: turn this lead into a customer")).to_be_visible()
    clerk.shot("lead_won")

    page.get_by_label("Location (optional)").fill("Malleshwaram")
    page.get_by_role("button", name="Make customer").click()
    expect(
        page.get_by_role("alert").filter(has_text="Suresh Traders is now a customer.")
    ).to_be_visible()
    expect(page.get_by_text("Became the customer Suresh Traders")).to_be_visible()
    clerk.shot("lead_converted")

    # The intake opens with the new customer filled in.
    page.get_by_role("link", name="Take a device in for Suresh Traders").click()
    expect(page.get_by_role("heading", name="Take a device in")).to_be_visible()
    expect(page.get_by_label("WhatsApp number")).to_have_value("+91 99000 11223")
    expect(page.get_by_label("Name")).to_have_value("Suresh Traders")
    expect(page.get_by_label("Location")).to_have_value("Malleshwaram")
    expect(page.locator("#customer-lookup")).to_contain_text("Existing customer: Suresh Traders")
    page.get_by_label("Device type").fill("Desktop")
    page.get_by_label("Brand").fill("Dell")
    page.get_by_label("Model").fill("OptiPlex 3080")
    page.get_by_label("Issue").fill("Does not boot after a power cut")
    clerk.shot("intake_for_customer")
    page.get_by_role("button", name="Take in & print slip").click()

    expect(page.get_by_text("Intake slip / job sheet")).to_be_visible()
    device = Device.objects.select_related("customer").get()
    lead = Lead.objects.get()
    assert device.customer_id == lead.customer_id
    slip = page.locator(".slip .card")
    expect(slip.locator(".slip-job")).to_have_text(device.job_number)
    expect(slip).to_contain_text("Suresh Traders")
    expect(slip).to_contain_text("Malleshwaram")
    expect(slip).to_contain_text("Dell Desktop OptiPlex 3080")
    clerk.shot("slip")

    # The lead is counted as won, no longer open.
    page = clerk.go("/dashboard")
    open_leads = page.locator(".stat-card", has=page.get_by_role("link", name="Open leads"))
    expect(open_leads.locator(".stat-value")).to_have_text("0")
    clerk.shot("dashboard")
    page = clerk.go("/crm/?status=won")
    expect(page.get_by_role("row").filter(has_text="Suresh Traders")).to_contain_text("Won")
    clerk.shot("leads_won")


def test_a_double_tap_on_save_sends_the_form_once(screen, front_desk, password, monkeypatch):
    import time

    from crm import services

    slow_create = services.lead_create

    def on_a_slow_line(**kwargs):
        time.sleep(1.0)  # the second tap lands while the first post is still on its way
        return slow_create(**kwargs)

    monkeypatch.setattr(services, "lead_create", on_a_slow_line)
    clerk = screen("clerk")
    clerk.login("desk", password)
    page = clerk.go("/crm/new")
    page.get_by_label("Name").fill("Impatient Clerk Ltd")
    page.get_by_label("WhatsApp number").fill("99000 44556")
    page.get_by_label("Source").select_option(label="Phone call")
    page.get_by_label("What they want").fill("Printer AMC")
    # Without the server's one-time key, only the browser stands between two taps and two
    # leads.
    page.evaluate(
        """() => {
          const key = document.querySelector("input[name=create_key]");
          const save = key.form.querySelector("button[type=submit]");
          key.remove();
          save.click();
          setTimeout(() => save.click(), 300);
        }"""
    )
    expect(page.get_by_role("heading", name="Impatient Clerk Ltd")).to_be_visible()
    page.wait_for_timeout(1500)  # time for a second post to have been saved, if sent
    assert Lead.objects.filter(name="Impatient Clerk Ltd").count() == 1


def test_leaving_a_lead_with_only_a_new_status_chosen_asks_first(screen, front_desk, password):
    from crm.tests.factories import LeadFactory

    lead = LeadFactory(name="Status Only Ltd")
    clerk = screen("clerk")
    clerk.login("desk", password)
    page = clerk.go(f"/crm/{lead.pk}/edit/")
    page.get_by_label("Status").select_option(label="Qualified")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Leads").first.click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page.get_by_label("Status")).to_have_value("qualified")
