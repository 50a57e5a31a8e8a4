from django.apps import AppConfig


class TeliteConfig(AppConfig):
    name = "telite"
    verbose_name = "TELITE"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .pagecache import watch_connection

        connection_created.connect(watch_connection, dispatch_uid="telite.pagecache")
