"""Time the funnel report against a plain count of the deals table, in one process.

Both are run alternately ``--repeats`` times after a warm-up; the medians and their ratio are
printed (and written as JSON with ``--json``). ``--explain FILE`` saves EXPLAIN (ANALYZE,
BUFFERS) of every query of the report on PostgreSQL.
"""

import json
import statistics
import subprocess
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import funnel
from analytics.forms import MONTH_RE
from deals.models import Deal


class Command(BaseCommand):
    help = "Замерить время отчёта «Воронка продаж» против SELECT count(*) по сделкам."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="ГГГГ-ММ; по умолчанию прошлый месяц")
        parser.add_argument("--repeats", type=int, default=5)
        parser.add_argument("--manager", help="логин менеджера: отчёт по одному менеджеру")
        parser.add_argument("--explain", help="файл для EXPLAIN (ANALYZE, BUFFERS)")
        parser.add_argument("--json", dest="json_path", help="файл для результата в JSON")

    def handle(self, *args, month, repeats, manager, explain, json_path, **options):
        period = self._period(month)
        head = self._head()
        picked = None
        if manager:
            picked = get_user_model().objects.filter(username=manager).first()
            if picked is None:
                raise CommandError(f"Нет пользователя {manager}.")
        scope = funnel.scope_for(head, manager=picked)
        table = Deal._meta.db_table

        def count():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                return cursor.fetchone()[0]

        rows = count()
        funnel.build_report(scope, period)  # warm-up: caches, plans
        count_times, report_times = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            count()
            count_times.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                funnel.build_report(scope, period)
                report_times.append(time.perf_counter() - started)
        count_ms = statistics.median(count_times) * 1000
        report_ms = statistics.median(report_times) * 1000
        result = {
            "git": _git_sha(),
            "database": connection.vendor,
            "deals": rows,
            "period": period.label,
            "manager": manager or "",
            "repeats": repeats,
            "queries": len(queries.captured_queries),
            "count_ms_median": round(count_ms, 1),
            "report_ms_median": round(report_ms, 1),
            "ratio": round(report_ms / count_ms, 2) if count_ms else None,
            "report_ms_all": [round(t * 1000, 1) for t in report_times],
            "count_ms_all": [round(t * 1000, 1) for t in count_times],
        }
        self.stdout.write(
            f"Сделок: {rows}; период: {period.label}; запросов в отчёте: {result['queries']}\n"
            f"count(*): медиана {count_ms:.1f} мс; отчёт: медиана {report_ms:.1f} мс; "
            f"отношение {result['ratio']}"
        )
        if json_path:
            with open(json_path, "w", encoding="utf-8") as file:
                file.write(_dumps(result))
        if explain:
            self._explain(queries.captured_queries, explain)

    def _period(self, month: str | None) -> funnel.Period:
        if not month:
            return funnel.Period.current_month().previous()
        match = MONTH_RE.match(month)
        if not match:
            raise CommandError("Месяц указывается как ГГГГ-ММ.")
        return funnel.Period.month_of(
            timezone.datetime(int(match.group(1)), int(match.group(2)), 1).date()
        )

    def _head(self):
        User = get_user_model()
        head = User.objects.filter(role=User.Role.HEAD).order_by("pk").first()
        if head is None:
            head, _ = User.objects.get_or_create(
                username="bench_head", defaults={"role": User.Role.HEAD, "first_name": "Замер"}
            )
        return head

    def _explain(self, queries, path: str) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("EXPLAIN ANALYZE сохраняется только для PostgreSQL.")
        with (
            open(path, "w", encoding="utf-8") as out,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(funnel.PLANNER_SETTINGS)
            for query in queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.write(f"-- {query['time']} s\n{sql}\n\n{plan}\n\n")
        self.stdout.write(f"Планы запросов: {path}")


def _git_sha() -> str:
    try:
        return subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return ""


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
