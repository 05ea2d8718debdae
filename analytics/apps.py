from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """The funnel report, its exports and the monthly e-mail: it only reads the other apps'
    data (the benchmark commands live in bench/); imports any app before it."""

    name = "analytics"
    verbose_name = "Аналитика"

    def ready(self):
        from crm import nav

        nav.register(nav.NavItem("Аналитика", "analytics:funnel", order=60))
