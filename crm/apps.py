from django.apps import AppConfig


class CrmConfig(AppConfig):
    """The project and its core: settings, URLs, the user, shared abstract models, the
    outbox, PDF rendering, numbering, client links and rate limits (public.py), what staff
    pages share (staff.py); it knows no business area and imports no other app."""

    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        from django.db.models import fields

        from . import (
            checks,  # noqa: F401
            nav,
        )
        from .notifications import Event, register

        nav.register(nav.NavItem("Вебхуки", "webhooks:list", order=95, head_only=True))

        register(
            Event(
                "webhook.disabled",
                "Мой вебхук отключён: сутки не принимал события",
                email=True,
                order=90,
            )
        )

        # Django 6.1's new empty choice label has no Russian translation yet.
        fields.BLANK_CHOICE_LABEL = "— не выбрано —"
