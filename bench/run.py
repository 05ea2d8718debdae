"""`make bench`: measure the product against its own ceiling on PostgreSQL.

Fills a database with `seed_bench`, starts gunicorn with production settings, and loads each
target with wrk (8 connections), alternating with a fixed response through the same
middleware stack (the ceiling) so that noise on a shared machine cancels out. Beside rps and
latency it reports the CPU milliseconds per request of the gunicorn workers and of the
PostgreSQL backends serving them (bench/cpu.py: read from /proc over each run), the figure
that noise on a shared machine does not move. `--scale` also seeds 10 000, 100 000 and
1 000 000 deals and times one request of every page at each size (wall and SQL ms).
Writes bench/results.json and bench/results.md. This folder is also the `bench` app,
installed with BENCH_MODE=1 (set for every command run here): its commands are in
management/commands/.
"""

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu  # noqa: E402 (bench/cpu.py, beside this script)

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LUA = str(ROOT / "bench" / "wrk_report.lua")
PORT = int(os.environ.get("BENCH_PORT", "8400"))
BASE = f"http://127.0.0.1:{PORT}"

# Targets a person waits for: p95 under this, with 8 concurrent clients.
P95_LIMIT_MS = 150
# CPU milliseconds per request: the app's (gunicorn) for each target, PostgreSQL's for all.
APP_CPU_LIMIT_MS = {
    "deal_list_first": 12,
    "deal_list_deep": 12,
    "board": 25,
    "deal_card": 20,
    "my_tasks": 15,
    "intake": 5,
    "proposal_client_page": 8,
    "invoice_client_page": 8,
}
PG_CPU_LIMIT_MS = 5
MIN_RPS = {"deal_list_first": 110, "deal_list_deep": 110, "deal_card": 60, "intake": 200}
# --scale: single requests at each size; no staff page's SQL over this at the largest.
SCALE_SQL_LIMIT_MS = 10
STAFF_TARGETS = {"deal_list_first", "deal_list_deep", "board", "deal_card", "my_tasks"}


def env_for(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
        "BENCH_MODE": "1",
        "PAYMENT_SANDBOX_IN_PRODUCTION": "True",
        "CONN_MAX_AGE": "60",
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
        "CELERY_BROKER_URL": "",
        "INTAKE_RATE_PER_MINUTE": "1000000",
        "INTAKE_IP_RATE_PER_MINUTE": "1000000",
        "PUBLIC_RATE_PER_MINUTE": "1000000",
        "API_RATE_PER_MINUTE": "1000000",
        "LOG_LEVEL": "ERROR",
    }


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout if capture else ""


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    check = subprocess.run(
        ["psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    )
    if check.stdout.strip() != "1":
        subprocess.run(["psql", admin_url, "-c", f'CREATE DATABASE "{name}"'], check=True)


def wrk(
    url: str,
    *,
    duration: int,
    cookie: str = "",
    method: str = "GET",
    body: str = "",
    content_type: str = "",
    auth: str = "",
) -> dict:
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_COOKIE": cookie}
    if body:
        env["BENCH_BODY"] = body
    if content_type:
        env["BENCH_CONTENT_TYPE"] = content_type
    if auth:
        env["BENCH_AUTH"] = auth
    out = subprocess.run(
        ["wrk", "-t1", "-c8", f"-d{duration}s", "--timeout", "5s", "-s", LUA, url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    figures = json.loads(line[len("BENCH_JSON ") :])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def single(
    url: str,
    *,
    cookie: str = "",
    method: str = "GET",
    body: str = "",
    content_type: str = "",
    auth: str = "",
) -> dict:
    """One request: its wall time (ms, seen by the client), the number of SQL queries and
    the time spent in them (the X-Queries and X-SQL-ms headers of bench mode)."""
    headers = {"Cookie": cookie} if cookie else {}
    if content_type:
        headers["Content-Type"] = content_type
    if auth:
        headers["Authorization"] = auth
    data = body.encode() if body else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (local server)
        response.read()
        wall = (time.perf_counter() - started) * 1000
        queries = response.headers.get("X-Queries")
        sql = response.headers.get("X-SQL-ms")
    return {
        "wall_ms": wall,
        "queries": int(queries) if queries else None,
        "sql_ms": float(sql) if sql else None,
    }


def queries_of(url: str, **request) -> int | None:
    return single(url, **request)["queries"]


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def start_server(env: dict, workers: int = 0) -> subprocess.Popen:
    workers = str(workers or 2 * (os.cpu_count() or 1) + 1)
    server = subprocess.Popen(
        [
            GUNICORN,
            "crm.wsgi",
            "-w",
            workers,
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/bench/hello/", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def request_of(target: dict) -> dict:
    return {
        "cookie": target.get("cookie", ""),
        "method": target.get("method", "GET"),
        "body": target.get("body", ""),
        "content_type": target.get("content_type", ""),
        "auth": target.get("auth", ""),
    }


def load_target(target: dict, meter: cpu.Meter, *, duration: int, rounds: int) -> dict:
    """wrk rounds of the target alternating with the ceiling; the CPU the app and PostgreSQL
    spent over the target's rounds, per request."""
    request = request_of(target)
    queries = queries_of(BASE + target["path"], **request)  # also warms the workers up
    baseline_runs, target_runs = [], []
    app_ms = pg_ms = 0.0
    for _ in range(rounds):
        baseline_runs.append(
            wrk(f"{BASE}/bench/hello/", duration=duration, cookie=request["cookie"])
        )
        before = meter.read()
        target_runs.append(wrk(BASE + target["path"], duration=duration, **request))
        app, pg = cpu.Meter.spent(before, meter.read())
        app_ms += app
        pg_ms += pg
    figures = {
        key: round(median_of(target_runs, key), 2) for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
    }
    figures["errors"] = sum(r["errors"] for r in target_runs)
    figures["requests"] = sum(r["requests"] for r in target_runs)
    figures["app_cpu_ms"] = round(app_ms / max(figures["requests"], 1), 2)
    figures["pg_cpu_ms"] = round(pg_ms / max(figures["requests"], 1), 2)
    figures["queries"] = queries
    figures["ceiling_rps"] = round(median_of(baseline_runs, "rps"), 2)
    figures["ratio"] = round(figures["rps"] / figures["ceiling_rps"], 3)
    figures["path"] = target["path"]
    return figures


def seed(env: dict, deals: int) -> None:
    manage(env, "migrate", "--noinput", "-v0")
    have = int(manage(env, "bench_prepare", "--count", capture=True).strip().splitlines()[-1])
    if have < deals:
        manage(env, "seed_bench", "--deals", str(deals - have))


def prepare(env: dict) -> dict:
    return json.loads(manage(env, "bench_prepare", capture=True).strip().splitlines()[-1])


def scale_run(base_url: str, sizes: list[tuple[int, str]], repeats: int) -> list[dict]:
    """Every page once per repeat at each size, one gunicorn worker: medians of the wall
    time and of the SQL time of single requests."""
    rows = []
    for deals, name in sizes:
        url = f"{base_url}/{name}"
        ensure_database(url)
        env = env_for(url)
        print(f"== scale: {deals} deals in {name}", flush=True)
        seed(env, deals)
        targets = prepare(env)["targets"]
        server = start_server(env, workers=1)
        try:
            for target in targets:
                request = request_of(target)
                for _ in range(2):
                    single(BASE + target["path"], **request)
                runs = [single(BASE + target["path"], **request) for _ in range(repeats)]
                rows.append(
                    {
                        "deals": deals,
                        "target": target["name"],
                        "wall_ms": round(statistics.median(r["wall_ms"] for r in runs), 1),
                        "sql_ms": round(statistics.median(r["sql_ms"] for r in runs), 1),
                        "queries": runs[-1]["queries"],
                    }
                )
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--report-deals", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="also time single requests at 10 000, 100 000 and 1 000 000 deals",
    )
    parser.add_argument("--scale-repeats", type=int, default=7)
    parser.add_argument(
        "--markdown", action="store_true", help="only write results.md again from results.json"
    )
    args = parser.parse_args()
    if args.markdown:
        output = json.loads((ROOT / "bench" / "results.json").read_text())
        (ROOT / "bench" / "results.md").write_text(markdown(output))
        return

    load_before = os.getloadavg()[1]
    base_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
    main_url = f"{base_url}/crm_bench"
    report_url = f"{base_url}/crm_bench_report"
    for url in (main_url, report_url):
        ensure_database(url)
    env = env_for(main_url)
    report_env = env_for(report_url)

    print(f"== seeding {args.deals} deals (and {args.report_deals} for the report)", flush=True)
    for e, n in ((env, args.deals), (report_env, args.report_deals)):
        seed(e, n)
    manage(env, "collectstatic", "--noinput", "-v0")
    prepared = prepare(env)

    print("== the funnel report at the full size", flush=True)
    report_json = ROOT / "bench" / "out" / "report.json"
    report_json.parent.mkdir(parents=True, exist_ok=True)
    manage(report_env, "bench_report", "--repeats", "5", "--json", str(report_json))
    report = json.loads(report_json.read_text())
    pdf = json.loads(manage(env, "bench_pdf", capture=True).strip().splitlines()[-1])

    server = start_server(env)
    meter = cpu.Meter(server.pid, main_url)
    results = {}
    try:
        targets = prepared["targets"]
        if args.only:
            wanted = set(args.only.split(","))
            targets = [t for t in targets if t["name"] in wanted]
        for target in targets:
            print(f"== {target['name']}: {target['path']}", flush=True)
            results[target["name"]] = load_target(
                target, meter, duration=args.duration, rounds=args.rounds
            )
            print(json.dumps(results[target["name"]], ensure_ascii=False), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    if "intake" in results:
        stored = json.loads(
            manage(env, "bench_prepare", "--count-intake", capture=True).strip().splitlines()[-1]
        )
        results["intake"]["stored"] = stored["requests"]
        results["intake"]["not_created"] = stored["not_created"]

    scale = []
    if args.scale:
        small = os.environ.get("BENCH_SMALL_DATABASE", "crm_bench_small")
        sizes = [
            (10_000, small),
            (args.deals, "crm_bench"),
            (args.report_deals, "crm_bench_report"),
        ]
        scale = scale_run(base_url, sizes, args.scale_repeats)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    output = {
        "commit": commit,
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "deals": args.deals,
        "report_deals": args.report_deals,
        "duration": args.duration,
        "rounds": args.rounds,
        "targets": results,
        "report": report,
        "pdf": pdf,
        "scale": scale,
        # The machine's 5-minute load average before and after: rps and latency are only
        # comparable between runs on an otherwise idle machine; CPU per request is.
        "load": [round(load_before, 1), round(os.getloadavg()[1], 1)],
    }
    (ROOT / "bench" / "results.json").write_text(
        json.dumps(output, ensure_ascii=False, indent=2) + "\n"
    )
    table = markdown(output)
    (ROOT / "bench" / "results.md").write_text(table)
    print(table)


def target_ok(name: str, f: dict) -> bool:
    ok = f["errors"] == 0 and f["pg_cpu_ms"] <= PG_CPU_LIMIT_MS
    ok = ok and f["app_cpu_ms"] <= APP_CPU_LIMIT_MS.get(name, float("inf"))
    ok = ok and f["rps"] >= MIN_RPS.get(name, 0)
    if name == "intake":
        return ok and f.get("not_created", 0) == 0
    return ok and f["p95_ms"] < P95_LIMIT_MS


def markdown(output: dict) -> str:
    lines = [
        f"Commit {output['commit']}, {output['cores']} cores, {_n(output['deals'])} deals "
        f"(report: {_n(output['report_deals'])}); wrk with 8 connections, "
        f"{output.get('rounds', 3)} × {output.get('duration', 8)} s per target.",
        *(
            [
                f"Load average of the machine (5 min) before and after: {output['load'][0]}, "
                f"{output['load'][1]} on {output['cores']} cores.",
                "",
            ]
            if output.get("load")
            else [""]
        ),
        "CPU ms/req: CPU time of the gunicorn workers (app) and of the PostgreSQL backends of "
        "the benchmark's database (PG) over the target's runs, divided by its requests. "
        f"Targets: app ≤ the figure in brackets, PG ≤ {PG_CPU_LIMIT_MS}, p95 < {P95_LIMIT_MS} "
        "ms, rps ≥ the figure in brackets.",
        "",
        "| target | rps | ceiling rps | p50 ms | p95 ms | p99 ms | app CPU ms/req "
        "| PG CPU ms/req | errors | queries | ok |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in output["targets"].items():
        if "rps" not in f:
            continue
        rps = f"{f['rps']:.0f}" + (f" (≥ {MIN_RPS[name]})" if name in MIN_RPS else "")
        app_limit = APP_CPU_LIMIT_MS.get(name)
        app = f"{f['app_cpu_ms']:.1f}" + (f" (≤ {app_limit})" if app_limit else "")
        lines.append(
            f"| {name} | {rps} | {f['ceiling_rps']:.0f} | "
            f"{f['p50_ms']:.1f} | {f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {app} | "
            f"{f['pg_cpu_ms']:.1f} | {f['errors']} | "
            f"{f['queries']} | {'yes' if target_ok(name, f) else 'NO'} |"
        )
    if "intake" in output["targets"] and "stored" in output["targets"]["intake"]:
        intake = output["targets"]["intake"]
        lines += [
            "",
            f"Intake: {intake['stored']} leads received, {intake['not_created']} not turned "
            "into deals.",
        ]
    report = output["report"]
    lines += [
        "",
        f"Funnel report for a month at {_n(output['report_deals'])} deals: "
        f"{report['report_ms_median']:.0f} ms against `SELECT count(*)` "
        f"{report['count_ms_median']:.0f} ms "
        f"(×{report['ratio']:.2f}, target ≤ 3).",
    ]
    pdf = output["pdf"]
    if pdf:
        lines.append(
            f"Invoice PDF: {pdf['per_second_two_workers']:.1f} per second with two worker "
            f"processes (target ≥ 3); warm render {pdf['warm_ms']:.0f} ms against a one-line "
            f"PDF {pdf['hello_ms']:.0f} ms."
        )
    if output.get("scale"):
        lines += scale_markdown(output["scale"])
    return "\n".join(lines) + "\n"


def _n(number: int) -> str:
    """A count with thin groups of thousands: 1 000 000."""
    return f"{number:,}".replace(",", "\u202f")


def scale_markdown(rows: list[dict]) -> list[str]:
    sizes = sorted({r["deals"] for r in rows})
    targets = list(dict.fromkeys(r["target"] for r in rows))
    by = {(r["target"], r["deals"]): r for r in rows}
    head = " | ".join(f"{_n(n)} wall / SQL ms" for n in sizes)
    lines = [
        "",
        "Single requests by the size of the database (one gunicorn worker, medians; "
        f"at {_n(sizes[-1])} deals no staff page's SQL over {SCALE_SQL_LIMIT_MS} ms):",
        "",
        f"| page | {head} | queries | ok |",
        "|---|" + "---|" * len(sizes) + "---|---|",
    ]
    for target in targets:
        cells = []
        for n in sizes:
            r = by.get((target, n))
            cells.append(f"{r['wall_ms']:.0f} / {r['sql_ms']:.1f}" if r else "—")
        largest = by.get((target, sizes[-1]))
        ok = largest is None or target not in STAFF_TARGETS
        ok = ok or largest["sql_ms"] <= SCALE_SQL_LIMIT_MS
        queries = ", ".join(str(by[(target, n)]["queries"]) for n in sizes if (target, n) in by)
        lines.append(f"| {target} | {' | '.join(cells)} | {queries} | {'yes' if ok else 'NO'} |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
