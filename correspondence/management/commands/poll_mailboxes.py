from django.core.management.base import BaseCommand

from correspondence import imap


class Command(BaseCommand):
    help = "Прочитать почтовые ящики сейчас (то же, что делает beat)."

    def handle(self, *args, **options):
        taken = imap.poll_all()
        self.stdout.write(f"Писем взято: {taken}")
