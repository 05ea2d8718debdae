from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Документы"

    def ready(self):
        from deals import panels

        from . import views

        panels.register(
            panels.Panel(
                key="questionnaires",
                title="Анкеты",
                template="documents/includes/_questionnaire_panel.html",
                context=views.deal_panel,
                order=10,
            )
        )
