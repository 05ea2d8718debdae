from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Аналитика"

    def ready(self):
        from crm import nav

        nav.register(nav.NavItem("Аналитика", "analytics:funnel", order=60))
