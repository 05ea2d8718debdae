from django.apps import AppConfig


class BillingConfig(AppConfig):
    """The catalog, calculations, invoices, payments and their providers, the seller's tax
    regime and money; imports crm, contacts and deals."""

    name = "billing"
    verbose_name = "Расчёты и счета"

    def ready(self):
        from crm import nav
        from crm.notifications import Event, register
        from deals import board, panels

        from . import (
            checks,  # noqa: F401
            invoice_views,
            marks,
            views,
        )

        nav.register(nav.NavItem("Каталог", "billing:catalog", order=40))
        nav.register(nav.NavItem("Счета", "billing:invoice_list", order=45))
        nav.register(nav.NavItem("Налог", "billing:seller_tax", order=91, head_only=True))
        panels.register(
            panels.Panel(
                key="calculations",
                title="Расчёты",
                template="billing/includes/_deal_calculations.html",
                context=views.deal_panel,
                order=20,
            )
        )
        panels.register(
            panels.Panel(
                key="invoices",
                title="Счета и акты",
                template="billing/includes/_deal_invoices.html",
                context=invoice_views.deal_panel,
                order=40,
            )
        )
        board.register_marks(marks.deal_board_marks)
        register(
            Event("client.paid", "Счёт по моей сделке оплачен", email=True, digest=True, order=90)
        )
        register(
            Event("payment.problem", "Платёж не засчитан: проблема с оплатой", email=True, order=95)
        )
