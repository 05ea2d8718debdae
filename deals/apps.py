from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "Сделки"

    def ready(self):
        from crm import nav

        from . import client_panel  # noqa: F401  (registers the client panel of the card)

        nav.register(nav.NavItem("Сделки", "deals:list", order=10))
        nav.register(nav.NavItem("Доска", "deals:board", order=20))
        nav.register(nav.NavItem("Мои задачи", "deals:my_tasks", order=30))
