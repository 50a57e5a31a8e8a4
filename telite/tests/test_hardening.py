"""Hardening: the production checks pass, uploads are judged by their content and size,
sessions and cookies are locked down, and an error never shows the code to the person."""

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path
from PIL import Image

from billing.models import ShopSettings
from devices.models import Device, DevicePhoto, DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory
from devices.tests.helpers import image_upload, intake_data, text_pretending_to_be_jpeg
from telite.tests.rows import changed_tables, table_row_counts

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_deploy_checks_pass_with_production_settings():
    # As a server starts: without what test tools put in this process's environment (the
    # browser tests allow Django's async-unsafe calls, which the deploy check rightly flags).
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "telite.settings",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "telite.example.in",
        "SECRET_KEY": "check-only-" + "0" * 64,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_idle_timeout_is_configured_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(s.SESSION_IDLE_TIMEOUT_MINUTES)",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "telite.settings",
            "SESSION_IDLE_TIMEOUT_MINUTES": "15",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "15", result.stderr


def test_login_cookies_are_http_only_and_same_site(front_desk, password):
    response = Client().post("/login", {"username": "desk", "password": password})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_pages_carry_the_security_headers(client_for, front_desk):
    response = client_for(front_desk).get("/devices/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Cache-Control"] == "private, no-store"


# --- uploads ----------------------------------------------------------------------------------


def _huge_png_header(width=40_000, height=40_000) -> bytes:
    """A tiny file claiming 1.6 billion pixels: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _padded_jpeg(megabytes: float) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(buffer, format="JPEG")
    # JPEG readers stop at the end-of-image marker; what follows only makes the file big.
    data = buffer.getvalue() + b"\x00" * int(megabytes * 1024 * 1024)
    return SimpleUploadedFile("big.jpg", data, content_type="image/jpeg")


def _gif() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="GIF")
    return SimpleUploadedFile("anim.jpg", buffer.getvalue(), content_type="image/jpeg")


REFUSED_UPLOADS = {
    "text named .jpg": (lambda: text_pretending_to_be_jpeg(), "is not a photo"),
    "html named .png": (
        lambda: SimpleUploadedFile(
            "x.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
        ),
        "is not a photo",
    ),
    "svg": (
        lambda: SimpleUploadedFile(
            "x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
        ),
        "is not a photo",
    ),
    "gif (not a format we keep)": (_gif, "is not a photo"),
    "empty file": (
        lambda: SimpleUploadedFile("e.jpg", b"", content_type="image/jpeg"),
        "The submitted file is empty",
    ),
    "decompression bomb": (
        lambda: SimpleUploadedFile("bomb.png", _huge_png_header(), content_type="image/png"),
        "bomb.png is too large an image",
    ),
    "over the size limit": (lambda: _padded_jpeg(1.2), "at most 1 MB"),
}


@pytest.mark.parametrize("kind", sorted(REFUSED_UPLOADS))
def test_intake_refuses_a_photo_by_its_content_and_size(kind, client_for, front_desk, settings):
    settings.PHOTO_MAX_MB = 1
    make, message = REFUSED_UPLOADS[kind]
    ShopSettings.load()
    client = client_for(front_desk)
    before = table_row_counts()
    response = client.post("/add_device", intake_data(photos=[make()]))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert changed_tables(before, table_row_counts()) == {}


def test_intake_keeps_a_real_photo_under_a_name_the_server_makes(client_for, front_desk):
    upload = image_upload(name="../../etc/passwd.jpg")
    response = client_for(front_desk).post("/add_device", intake_data(photos=[upload]))
    assert response.status_code == 302
    photo = DevicePhoto.objects.get()
    assert "passwd" not in photo.image.name and ".." not in photo.image.name
    assert photo.image.name.endswith(".jpg")


@pytest.mark.parametrize("kind", ["text named .jpg", "over the size limit", "decompression bomb"])
def test_service_page_refuses_a_bad_photo(kind, client_for, technician, settings):
    settings.PHOTO_MAX_MB = 1
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device)
    make, message = REFUSED_UPLOADS[kind]
    client = client_for(technician)
    response = client.post(f"/service/{device.pk}/photos/", {"photos": [make()]}, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DevicePhoto.objects.filter(device=device).exists()


def test_a_photo_is_served_only_to_staff_as_an_image_with_no_sniffing(
    client_for, front_desk, technician
):
    device = DeviceFactory()
    photo = DevicePhoto.objects.create(device=device, image=image_upload(), uploaded_by=technician)
    response = client_for(front_desk).get(f"/devices/photos/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith('inline; filename="photo-')
    anonymous = Client().get(f"/devices/photos/{photo.pk}/")
    assert anonymous.status_code == 302


# --- errors -----------------------------------------------------------------------------------


def _boom(request):
    raise RuntimeError("secret detail: database password is hunter2")


def _ok(request):
    return HttpResponse("ok")


urlpatterns = [path("boom", _boom), path("ok", _ok)]
handler500 = "telite.views.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_unexpected_error_shows_a_plain_page_and_no_detail():
    client = Client(raise_request_exception=False)
    response = client.get("/boom")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "hunter2" not in html and "Traceback" not in html


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_the_error_page_does_not_need_the_database(monkeypatch, front_desk):
    """PostgreSQL restarting: the session cannot be read, and the error page still shows."""
    client = Client(raise_request_exception=False)
    client.force_login(front_desk)

    def database_down(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(SessionStore, "load", database_down)
    response = client.get("/ok")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_an_unknown_page_is_a_friendly_404(client_for, front_desk, settings):
    settings.DEBUG = False
    response = client_for(front_desk).get("/no-such-page/")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()


def test_a_deactivated_user_cannot_log_in_again(front_desk, password):
    front_desk.is_active = False
    front_desk.save()
    client = Client()
    response = client.post("/login", {"username": "desk", "password": password})
    assert response.status_code == 200
    assert client.get("/dashboard").status_code == 302
    assert Device.objects.count() == 0
