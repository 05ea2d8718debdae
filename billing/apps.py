from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Расчёты и счета"

    def ready(self):
        from . import checks  # noqa: F401
