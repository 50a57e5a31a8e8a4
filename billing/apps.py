from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Bills and payments"

    def ready(self):
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save, pre_save

        from accounts.models import User
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
        # Bills print people's names: a renamed user's bills get a new version.
        pre_save.connect(_note_names, sender=User, dispatch_uid="bills_user_names_before")
        post_save.connect(_names_changed, sender=User, dispatch_uid="bills_user_names_after")


def _note_names(sender, instance, update_fields=None, **kwargs):
    """Before a user is saved: their names as stored (a login, which saves last_login
    only, is not asked)."""
    from .services import NAME_FIELDS

    if instance.pk is None or (
        update_fields is not None and not set(update_fields) & set(NAME_FIELDS)
    ):
        return
    instance._names_before = sender.objects.filter(pk=instance.pk).values_list(*NAME_FIELDS).first()


def _names_changed(sender, instance, created=False, **kwargs):
    from .services import NAME_FIELDS, user_renamed

    before = instance.__dict__.pop("_names_before", None)
    if not created and before is not None:
        if before != tuple(getattr(instance, name) for name in NAME_FIELDS):
            user_renamed(instance)
