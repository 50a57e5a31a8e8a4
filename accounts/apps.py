from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users and roles"

    def ready(self):
        from telite.forms_util import forget_kept_options

        from . import roles
        from .models import User

        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="accounts.sync_role_groups")
        # Filter bars keep the technician list per process: a user saved (made a
        # technician, renamed, deactivated) or deleted shows in them at once here.
        post_save.connect(forget_kept_options, sender=User, dispatch_uid="users_saved")
        post_delete.connect(forget_kept_options, sender=User, dispatch_uid="users_deleted")
