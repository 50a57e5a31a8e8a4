from .models import ShopSettings


def shop_settings() -> ShopSettings:
    """The shop's settings row (created with defaults on first use)."""
    return ShopSettings.load()
