from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Bills and payments"

    def ready(self):
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save

        from telite.money import forget_shop_currency_symbol

        from .models import ShopSettings, forget_shop_settings

        # The currency symbol is read once per request (telite.money); a saved change
        # shows on the next amount formatted.
        request_started.connect(forget_shop_currency_symbol, dispatch_uid="money_symbol_request")
        post_save.connect(
            forget_shop_currency_symbol, sender=ShopSettings, dispatch_uid="money_symbol_saved"
        )
        # ShopSettings.load() keeps the row per process; a save or delete empties it.
        post_save.connect(forget_shop_settings, sender=ShopSettings, dispatch_uid="shop_saved")
        post_delete.connect(forget_shop_settings, sender=ShopSettings, dispatch_uid="shop_deleted")
