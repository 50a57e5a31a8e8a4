"""Personas for every test (Healthchecks' Alice/Bob/Charlie).

- ``owner``: the admin role (shop owner)
- ``manager``: service manager
- ``technician``: staff who repairs devices (``is_technician``)
- ``front_desk``: staff at the counter, not a technician
- ``anonymous``: nobody logged in (a plain ``client``)

``client_for(user)`` gives a logged-in test client.
"""

import pytest
from django.test import Client

from accounts.models import Role
from accounts.tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Fast hashing: tests log in a lot; the real hasher is exercised in accounts tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests roll back instead of committing, so nothing would ever give the data a new
    # version: pages are rendered every time; telite/tests/test_pagecache.py commits.
    settings.PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Per-process caches (shop settings row, dashboard's closed count, currency symbol,
    filter bars' technician lists)
    must not carry one test's rows into the next: each test's database is rolled back."""
    from django.core.cache import cache, caches

    from billing.models import forget_shop_settings
    from telite.forms_util import forget_kept_options
    from telite.money import forget_shop_currency_symbol

    def forget():
        cache.clear()
        caches["pages"].clear()
        forget_shop_settings()
        forget_shop_currency_symbol()
        forget_kept_options()

    forget()
    yield
    forget()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", role=Role.ADMIN, first_name="Priya")


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.MANAGER, first_name="Ravi")


@pytest.fixture
def technician(db):
    return UserFactory(username="tech", role=Role.STAFF, is_technician=True, first_name="Arun")


@pytest.fixture
def other_technician(db):
    return UserFactory(username="tech2", role=Role.STAFF, is_technician=True, first_name="Meena")


@pytest.fixture
def front_desk(db):
    return UserFactory(username="desk", role=Role.STAFF, first_name="Kavya")


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def personas(owner, manager, technician, front_desk):
    return {"admin": owner, "manager": manager, "technician": technician, "front_desk": front_desk}
