import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ENABLED = True


def _fail(client, username, times):
    for _ in range(times):
        client.post("/login", {"username": username, "password": "wrong-password-x"})


def test_five_failures_lock_the_username_even_with_the_right_password(
    anonymous, front_desk, password
):
    _fail(anonymous, "desk", 5)
    response = anonymous.post("/login", {"username": "desk", "password": password})
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert anonymous.get("/dashboard").status_code == 302  # still not logged in


def test_four_failures_do_not_lock(anonymous, front_desk, password):
    _fail(anonymous, "desk", 4)
    response = anonymous.post("/login", {"username": "desk", "password": password})
    assert response.status_code == 302


def test_lockout_of_one_username_leaves_colleagues_alone(anonymous, front_desk, manager, password):
    _fail(anonymous, "desk", 5)
    response = anonymous.post("/login", {"username": "manager", "password": password})
    assert response.status_code == 302


def test_failures_are_logged_for_the_owner(anonymous, front_desk):
    from axes.models import AccessAttempt, AccessFailureLog

    _fail(anonymous, "desk", 2)
    assert AccessAttempt.objects.get(username="desk").failures_since_start == 2
    assert AccessFailureLog.objects.filter(username="desk").count() == 2
