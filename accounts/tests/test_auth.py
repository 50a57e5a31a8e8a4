import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/login"


def test_login_with_right_password_lands_on_dashboard(anonymous, front_desk, password):
    response = anonymous.post(LOGIN, {"username": "desk", "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert anonymous.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize(
    "next_url, lands_on",
    [
        ("/devices/", "/devices/"),
        ("0", "/dashboard"),
        ("devices", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example/", "/dashboard"),
    ],
)
def test_login_goes_on_to_a_page_of_this_site_only(
    anonymous, front_desk, password, next_url, lands_on
):
    response = anonymous.post(LOGIN, {"username": "desk", "password": password, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_original_routes_answer_with_and_without_trailing_slash(anonymous):
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/login/").status_code == 200


def test_wrong_login_does_not_reveal_whether_username_exists(anonymous, front_desk):
    wrong_password = anonymous.post(LOGIN, {"username": "desk", "password": "nope-nope-1"})
    unknown_user = anonymous.post(LOGIN, {"username": "ghost", "password": "nope-nope-1"})
    assert wrong_password.status_code == unknown_user.status_code == 200
    first = wrong_password.context["form"].non_field_errors()
    second = unknown_user.context["form"].non_field_errors()
    assert first == second
    assert "not correct" in first[0]
    # What was typed stays in the form.
    assert b'value="ghost"' in unknown_user.content


def test_logout_get_asks_for_confirmation_and_keeps_session(client_for, front_desk):
    client = client_for(front_desk)
    response = client.get("/logout")
    assert response.status_code == 200
    assert b"Log out of TELITE?" in response.content
    assert client.get(reverse("dashboard")).status_code == 200


def test_logout_post_ends_the_session(client_for, front_desk):
    client = client_for(front_desk)
    response = client.post("/logout")
    assert response.status_code == 302
    after = client.get(reverse("dashboard"))
    assert after.status_code == 302
    assert after["Location"].startswith("/login")


def test_anonymous_pages_redirect_to_login(anonymous):
    response = anonymous.get("/dashboard")
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")


def test_root_leads_to_dashboard(client_for, front_desk):
    response = client_for(front_desk).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


NEW = "Fresh-counter-pass-2026!"


def _change(client, old, new1=NEW, new2=NEW):
    return client.post(
        "/password", {"old_password": old, "new_password1": new1, "new_password2": new2}
    )


def test_a_clerk_changes_their_own_password_and_stays_logged_in(
    client_for, front_desk, anonymous, password
):
    clerk = client_for(front_desk)
    assert "Change my password" in clerk.get(reverse("dashboard")).content.decode()
    response = _change(clerk, password)
    assert response.status_code == 302
    assert clerk.get(reverse("dashboard")).status_code == 200  # this browser stays in
    refused = anonymous.post(LOGIN, {"username": "desk", "password": password})
    assert refused.status_code == 200  # the old password no longer opens the account
    assert anonymous.post(LOGIN, {"username": "desk", "password": NEW}).status_code == 302


def test_a_wrong_current_password_is_refused_next_to_it(client_for, front_desk, password):
    response = _change(client_for(front_desk), "not-my-password")
    assert response.status_code == 200
    form = response.context["form"]
    assert "old_password" in form.errors
    front_desk.refresh_from_db()
    assert front_desk.check_password(password)


def test_a_weak_or_mismatched_new_password_is_refused_under_the_box_to_fix(
    client_for, front_desk, password
):
    clerk = client_for(front_desk)
    weak = _change(clerk, password, "abc", "abc").context["form"].errors
    # "Too short" belongs to the new password, not to the box that only repeats it.
    assert "too short" in " ".join(weak["new_password1"]) and "new_password2" not in weak
    mismatched = _change(clerk, password, NEW, NEW + "x").context["form"].errors
    assert "didn’t match" in " ".join(mismatched["new_password2"])
    assert "new_password1" not in mismatched
    front_desk.refresh_from_db()
    assert front_desk.check_password(password)


def test_changing_the_password_logs_the_account_out_elsewhere(client_for, front_desk, password):
    here, elsewhere = client_for(front_desk), client_for(front_desk)
    _change(here, password)
    response = elsewhere.get(reverse("dashboard"))
    assert response.status_code == 302 and "/login" in response["Location"]
