import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_user_trying_a_managers_page_sees_a_refusal(screen, front_desk, password):
    clerk = screen("clerk")
    clerk.login("desk", password)
    page = clerk.page
    for path in ("/device_assign", "/register"):
        response = page.goto(clerk.base_url + path)
        assert response.status == 403, f"{path} answered {response.status}"
        expect(
            page.get_by_role("heading", name="You don't have access to this page")
        ).to_be_visible()
        expect(page.get_by_role("heading", name="Assign devices")).to_have_count(0)
        clerk.shot(f"refused_{path}")
    # The navigation never offered the page in the first place.
    clerk.go("/dashboard")
    expect(page.get_by_role("link", name="Assign", exact=True)).to_have_count(0)
    clerk.shot("dashboard")


def test_admin_registers_a_technician_and_a_front_desk_user(screen, owner, password):
    admin = screen("admin")
    admin.login("owner", password)
    for username, phone, technician in (
        ("arun", "98450 22222", True),
        ("kavya", "+91 98450 33333", False),
    ):
        page = admin.go("/register")
        page.fill("input[name=username]", username)
        page.fill("input[name=first_name]", username.title())
        page.fill("input[name=phone_number]", phone)
        page.select_option("select[name=role]", "staff")
        if technician:
            page.check("input[name=is_technician]")
        page.fill("input[name=password1]", "Motherboard-77")
        page.fill("input[name=password2]", "Motherboard-77")
        admin.shot(f"register_{username}")
        page.click("button:has-text('Register')")
        expect(page.get_by_text(f"User {username} registered")).to_be_visible()
    admin.shot("user_list")
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="arun")).to_have_count(1)
    expect(rows.filter(has_text="+91 98450 33333")).to_have_count(1)

    # The new front-desk user can log in at once.
    clerk = screen("kavya")
    clerk.login("kavya", "Motherboard-77")
    expect(clerk.page).to_have_url(clerk.base_url + "/dashboard")
    expect(clerk.page.get_by_role("heading", name="Kavya")).to_be_visible()
    clerk.shot("dashboard")


def test_an_htmx_action_after_a_logout_elsewhere_goes_to_the_login_and_back(
    screen, technician, front_desk, manager, password
):
    from devices.workflow import device_assign

    from .data import device_taken_in

    device = device_assign(device=device_taken_in(by=front_desk), technician=technician, by=manager)
    tech = screen("technician")
    tech.login("tech", password)
    page = tech.go(f"/service/{device.pk}")
    tech.page.context.clear_cookies(name="sessionid")  # logged out elsewhere, or idle too long
    page.get_by_label("Part").fill("RAM 8GB")
    page.get_by_label("Unit price").fill("1500")
    page.get_by_role("button", name="Add", exact=True).click()
    # The whole window goes to the login page (not a login form inside the parts card)...
    page.wait_for_url(lambda url: "/login" in url)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("what you were sending was not saved")
    tech.shot("login_after_expiry")
    page.fill("input[name=username]", "tech")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    # ...and comes back to the job afterwards.
    page.wait_for_url(lambda url: url.endswith(f"/service/{device.pk}"))


def test_an_htmx_action_refused_meanwhile_says_so_on_screen(
    screen, technician, other_technician, front_desk, manager, password
):
    from devices.workflow import device_assign, device_reassign

    from .data import device_taken_in

    device = device_assign(device=device_taken_in(by=front_desk), technician=technician, by=manager)
    tech = screen("technician")
    tech.login("tech", password)
    page = tech.go(f"/service/{device.pk}")
    device_reassign(device=device, technician=other_technician, by=manager, note="Arun is on leave")
    page.get_by_label("Part").fill("RAM 8GB")
    page.get_by_label("Unit price").fill("1500")
    with tech.without_reload():
        page.get_by_role("button", name="Add", exact=True).click()
        alert = page.locator("#htmx-error")
        expect(alert).to_contain_text("not allowed to do it any more")
        expect(alert.get_by_role("button", name="Reload")).to_be_visible()
    tech.shot("refused_in_place")
