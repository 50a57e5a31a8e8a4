import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(**env):
    """Import the settings the way gunicorn would, in a clean process."""
    base = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    base.update(env)
    base["DJANGO_SETTINGS_MODULE"] = "telite.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _start(DEBUG="False", ALLOWED_HOSTS="shop.example.in")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _start(DEBUG="False", ALLOWED_HOSTS="shop.example.in", SECRET_KEY="short")
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _start(DEBUG="False", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_secret_and_hosts():
    result = _start(DEBUG="False", SECRET_KEY="k" * 60, ALLOWED_HOSTS="shop.example.in")
    assert result.returncode == 0, result.stderr


def test_production_cookies_are_secure():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "telite.settings",
            "DEBUG": "False",
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "shop.example.in",
        },
    )
    assert result.stdout.split() == ["True", "True", "True"]


@pytest.mark.parametrize(("debug", "kept"), [("False", "True"), ("True", "False")])
def test_pages_are_kept_in_production_and_rendered_fresh_while_developing(debug, kept):
    env = {k: v for k, v in os.environ.items() if k not in {"PAGE_CACHE", "DEBUG"}}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(s.PAGE_CACHE)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "telite.settings",
            "DEBUG": debug,
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "shop.example.in",
        },
    )
    assert result.stdout.split() == [kept], result.stderr


@pytest.mark.django_db
def test_sqlite_waits_for_writers_instead_of_failing(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only setting")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
