from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark: the commands that seed and prepare its data and time the report and
    the PDFs, the X-Queries middleware and /bench/hello/; it may import every app and no app
    imports it. Installed only with BENCH_MODE=1 (crm/settings.py), so a production install
    has no command that fills its database with made-up deals or mints logged-in sessions."""

    name = "bench"
    verbose_name = "Замеры"
