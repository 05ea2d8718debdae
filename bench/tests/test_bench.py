"""The benchmark's app: present only in bench mode, counting queries and answering the
ceiling page there."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {"seed_bench", "bench_prepare", "bench_report", "bench_pdf"}


def _commands(bench_mode: str) -> set[str]:
    env = {**os.environ, "BENCH_MODE": bench_mode}
    result = subprocess.run(
        [sys.executable, "manage.py", "help", "--commands"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return set(result.stdout.split())


def test_the_benchmark_commands_exist_only_in_bench_mode():
    assert _commands("1") >= COMMANDS
    assert not COMMANDS & _commands("0")


def test_the_query_count_header_tells_the_queries_of_the_page(client_a, deal_a, settings):
    settings.MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    with CaptureQueriesContext(connection) as queries:
        response = client_a.get(reverse("deals:list"))
    assert response.status_code == 200
    assert deal_a.title in response.text
    assert int(response["X-Queries"]) == len(queries) > 0


def test_the_ceiling_page_answers_without_a_login(anon, settings):
    settings.ROOT_URLCONF = "bench.urls"
    response = anon.get("/bench/hello/")
    assert response.status_code == 200
    assert response.text == "ok"


def test_the_sql_time_header_tells_the_time_spent_in_queries(client_a, deal_a, settings):
    settings.MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    response = client_a.get(reverse("deals:list"))
    assert response.status_code == 200
    assert float(response["X-SQL-ms"]) > 0


def test_the_cpu_meter_reads_the_time_a_process_spent():
    sys.path.insert(0, str(ROOT / "bench"))
    import cpu

    before = cpu.snapshot([os.getpid()])
    sum(i * i for i in range(3_000_000))
    after = cpu.snapshot([os.getpid()])
    assert after[os.getpid()] - before[os.getpid()] > 0
    # A process that started between the readings counts whole; gone ones are not read.
    assert cpu.spent_ms({1: 10.0}, {1: 25.0, 2: 5.0}) == 20.0
    assert cpu.process_cpu_ms(2**22 + 12345) is None
