from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    """E-mail on the deal: letters to the client from the card with documents' PDFs, replies
    read from IMAP mailboxes back into the deal's timeline, and orders by e-mail made deals;
    imports crm, contacts, deals, billing and documents."""

    name = "correspondence"
    verbose_name = "Переписка"

    def ready(self):
        from crm.notifications import Event, register
        from deals import panels

        from . import views

        panels.register(
            panels.Panel(
                key="mail",
                title="Переписка",
                template="correspondence/includes/_mail_panel.html",
                context=views.deal_panel,
                order=5,
            )
        )
        register(Event("mail.received", "Клиент ответил на письмо", email=True, order=15))
