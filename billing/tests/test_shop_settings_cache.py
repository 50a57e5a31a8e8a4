"""ShopSettings.load() keeps the row per process, and a change shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import ShopSettings

pytestmark = pytest.mark.django_db


def test_shop_settings_are_read_once_for_many_pages():
    ShopSettings.load()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            ShopSettings.load()
    assert len(queries) == 0


def test_a_saved_change_is_seen_by_the_next_load():
    assert ShopSettings.load().shop_name == "TELITE Service Centre"
    shop = ShopSettings.load()
    shop.shop_name = "Sai Computers"
    shop.save()
    assert ShopSettings.load().shop_name == "Sai Computers"


def test_changing_a_loaded_copy_without_saving_changes_nothing_for_others():
    shop = ShopSettings.load()
    shop.shop_name = "Half-typed name"
    assert ShopSettings.load().shop_name == "TELITE Service Centre"


def test_a_queryset_update_is_seen_after_the_ttl(monkeypatch):
    ShopSettings.load()
    ShopSettings.objects.filter(pk=1).update(shop_name="Changed by another worker")
    assert ShopSettings.load().shop_name == "TELITE Service Centre"
    monkeypatch.setattr("billing.models.SHOP_SETTINGS_TTL", -1)
    assert ShopSettings.load().shop_name == "Changed by another worker"


def test_a_deleted_row_is_made_again_with_defaults():
    shop = ShopSettings.load()
    shop.shop_name = "Sai Computers"
    shop.save()
    ShopSettings.load()
    ShopSettings.objects.get(pk=1).delete()
    assert ShopSettings.load().shop_name == "TELITE Service Centre"


def test_every_page_shows_the_name_saved_in_the_admin(client_for, owner):
    client = client_for(owner)
    client.get("/dashboard")
    shop = ShopSettings.load()
    shop.shop_name = "Sai Computers"
    shop.save()
    assert "Sai Computers" in client.get("/dashboard").content.decode()
