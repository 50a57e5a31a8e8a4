from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users and roles"

    def ready(self):
        from . import roles

        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="accounts.sync_role_groups")
