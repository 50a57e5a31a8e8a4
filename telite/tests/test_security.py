import time

import pytest

pytestmark = pytest.mark.django_db


def test_idle_session_is_logged_out(client_for, front_desk, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    client = client_for(front_desk)
    assert client.get("/dashboard").status_code == 200
    session = client.session
    session["last_activity"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_active_session_stays_logged_in(client_for, front_desk, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    client = client_for(front_desk)
    client.get("/dashboard")
    session = client.session
    session["last_activity"] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/dashboard").status_code == 200


def test_signed_in_pages_are_not_cached_and_carry_security_headers(client_for, front_desk):
    response = client_for(front_desk).get("/dashboard")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_csrf_is_enforced_on_login(front_desk, password):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/login", {"username": "desk", "password": password})
    assert response.status_code == 403
