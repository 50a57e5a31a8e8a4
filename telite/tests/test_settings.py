import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(*, code="", **env):
    """Import the settings the way gunicorn would, in a clean process (then run ``code``)."""
    unset = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "PAGE_CACHE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    base.update(env)
    base["DJANGO_SETTINGS_MODULE"] = "telite.settings"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
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


def _production_settings(*names, **env):
    """The values of settings ``names`` in a clean production process (DEBUG off)."""
    production = {"DEBUG": "False", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "shop.example.in"}
    printed = ", ".join(f"s.{name}" for name in names)
    result = _start(
        code=f"from django.conf import settings as s; print({printed})", **{**production, **env}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_cookies_are_secure():
    assert _production_settings(
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"
    ) == ["True", "True", "True"]


@pytest.mark.parametrize(("debug", "kept"), [("False", "True"), ("True", "False")])
def test_pages_are_kept_in_production_and_rendered_fresh_while_developing(debug, kept):
    assert _production_settings("PAGE_CACHE", DEBUG=debug) == [kept]


@pytest.mark.django_db
def test_sqlite_waits_for_writers_instead_of_failing(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only setting")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def test_production_refuses_a_secret_key_with_a_comment_pasted_after_it():
    # What copying "SECRET_KEY=<key>   # how to make one" from a README into .env gives.
    key = "<50+ random characters>   # python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    result = _start(DEBUG="False", ALLOWED_HOSTS="shop.example.in", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY contains a space" in result.stderr


def test_settings_come_from_the_file_named_by_telite_env_file(tmp_path):
    env_file = tmp_path / "shop.env"
    env_file.write_text("SESSION_IDLE_TIMEOUT_MINUTES=17\n")
    code = "from django.conf import settings; print(settings.SESSION_IDLE_TIMEOUT_MINUTES)"
    result = _start(code=code, TELITE_ENV_FILE=str(env_file))
    assert result.stdout.strip() == "17", result.stderr


def test_the_test_suite_reads_no_env_file():
    # Set by the settings under pytest, inherited by every process the tests start: a
    # production .env next to manage.py never reaches the tests.
    assert os.environ["TELITE_ENV_FILE"] == ""
    code = "from django.conf import settings; print(repr(settings.ENV_FILE))"
    assert _start(code=code).stdout.strip() == "''"
