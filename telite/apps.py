from django.apps import AppConfig


class TeliteConfig(AppConfig):
    name = "telite"
    verbose_name = "TELITE"
