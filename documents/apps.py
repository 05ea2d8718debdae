from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Tags and their rendering, document templates, questionnaires, proposals and
    contracts; imports crm, contacts, deals and billing."""

    name = "documents"
    verbose_name = "Документы"

    def ready(self):
        from billing import bases
        from crm import nav
        from crm.notifications import Event, register
        from deals import panels

        from . import document_views, views
        from .models import Contract
        from .search import register_kinds

        register_kinds()
        bases.register(Contract.invoice_bases)

        panels.register(
            panels.Panel(
                key="questionnaires",
                title="Анкеты",
                template="documents/includes/_questionnaire_panel.html",
                context=views.deal_panel,
                order=10,
            )
        )
        panels.register(
            panels.Panel(
                key="documents",
                title="Документы",
                template="documents/includes/_documents_panel.html",
                context=document_views.deal_panel,
                order=30,
            )
        )
        panels.register_client(
            panels.Panel(
                key="documents",
                title="Документы",
                template="documents/includes/_client_documents.html",
                context=document_views.client_panel,
                order=30,
            )
        )
        nav.register(
            nav.NavItem("Шаблоны документов", "documents:template_list", order=80, head_only=True)
        )
        register(
            Event("client.filled", "Клиент заполнил анкету", email=True, digest=True, order=60)
        )
        register(
            Event(
                "client.accepted",
                "Клиент принял предложение или договор, подписал акт",
                email=True,
                digest=True,
                order=70,
            )
        )
        register(
            Event(
                "client.declined", "Клиент отклонил предложение", email=True, digest=True, order=80
            )
        )
