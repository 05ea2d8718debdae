from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Загрузить демо-данные (повторный запуск ничего не меняет)."

    def handle(self, *args, **options):
        # Each app may have a demo module with load(stdout) and summary(stdout); they run in
        # the order of INSTALLED_APPS, so later apps find what earlier ones created.
        modules = list(_demo_modules())
        with transaction.atomic():
            for module in modules:
                module.load(stdout=self.stdout)
        # What a person needs to try the product (the invoice link, the website key) comes
        # last, on every start: after the e-mails the first load prints on commit.
        self.stdout.write(self.style.SUCCESS("Демо-данные готовы."))
        for module in modules:
            if hasattr(module, "summary"):
                module.summary(stdout=self.stdout)


def _demo_modules():
    for config in apps.get_app_configs():
        try:
            yield import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
