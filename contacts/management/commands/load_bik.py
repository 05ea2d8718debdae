from django.core.management.base import BaseCommand, CommandError

from contacts import banks, services


class Command(BaseCommand):
    help = (
        "Загрузить справочник БИК Банка России (ЭС ED807, файл .xml или архив .zip с "
        "cbr.ru): банки по БИК заполняют реквизиты счетов. Повторная загрузка того же "
        "файла ничего не меняет; БИК, которых в новом файле нет, помечаются закрытыми."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="ED807: 20261120_ED807_full.xml или архив .zip")

    def handle(self, *args, path, **options):
        try:
            entries = banks.read_directory(path)
        except (banks.DirectoryError, OSError) as exc:
            raise CommandError(f"Справочник БИК не загружен: {exc}") from exc
        result = services.bank_directory_load(entries=entries)
        self.stdout.write(
            f"Банков в справочнике: {result.total} (новых {result.created}, "
            f"изменено {result.changed}, закрыто {result.closed})"
        )
