from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Контакты"

    def ready(self):
        from crm import nav

        nav.register(nav.NavItem("Клиенты", "clients:list", order=40))
        nav.register(nav.NavItem("Наши реквизиты", "clients:seller", order=90, head_only=True))
