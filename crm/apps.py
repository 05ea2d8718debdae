from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        from django.db.models import fields

        from . import checks  # noqa: F401

        # Django 6.1's new empty choice label has no Russian translation yet.
        fields.BLANK_CHOICE_LABEL = "— не выбрано —"
