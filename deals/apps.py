from django.apps import AppConfig


class DealsConfig(AppConfig):
    """Stages, deals, tasks, comments, the deal timeline, website intake, the customers'
    pages (deals/clients/) and the client links of documents (document_links.py); imports
    only crm and contacts."""

    name = "deals"
    verbose_name = "Сделки"

    def ready(self):
        from crm import nav
        from crm.notifications import Event, register

        from . import checks  # noqa: F401  (registers the working time check)
        from .clients import panel  # noqa: F401  (registers the client panel of the card)
        from .search import register_kinds

        register_kinds()

        nav.register(nav.NavItem("Сделки", "deals:list", order=10))
        nav.register(nav.NavItem("Доска", "deals:board", order=20))
        nav.register(nav.NavItem("Мои задачи", "deals:my_tasks", order=30))
        nav.register(nav.NavItem("Клиенты", "clients:list", order=40))
        nav.register(nav.NavItem("Наши реквизиты", "clients:seller", order=90, head_only=True))

        register(Event("lead.assigned", "Мне пришла заявка с сайта", email=True, order=10))
        register(Event("task.assigned", "Мне поставили задачу", email=True, order=20))
        register(Event("task.due", "Срок моей задачи через 15 минут или уже прошёл", order=30))
        register(
            Event(
                "deal.handed_over", "Сделку передали мне или от меня другому", email=True, order=40
            )
        )
        register(
            Event("client.opened", "Клиент открыл документ", email=True, digest=True, order=50)
        )
