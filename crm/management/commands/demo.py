from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Загрузить демо-данные (повторный запуск ничего не меняет)."

    def handle(self, *args, **options):
        # Each app may have a demo module with load(stdout); they run in the order of
        # INSTALLED_APPS, so later apps find what earlier ones created.
        with transaction.atomic():
            for config in apps.get_app_configs():
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Демо-данные готовы."))
