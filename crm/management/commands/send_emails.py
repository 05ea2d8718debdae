from django.core.management.base import BaseCommand

from crm.mail import email_sweep


class Command(BaseCommand):
    help = (
        "Отправить письма, застрявшие в очереди (то же делает периодическая задача "
        "crm.tasks.sweep_emails в celery beat)."
    )

    def handle(self, *args, **options):
        count = email_sweep()
        self.stdout.write(f"Передано на отправку писем: {count}")
