from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Документы"

    def ready(self):
        from crm import nav

        nav.register(
            nav.NavItem("Шаблоны документов", "documents:template_list", order=80, head_only=True)
        )
