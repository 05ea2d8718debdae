"""`make bench`: measure the product against its own ceiling on PostgreSQL.

Fills a database with `seed_bench`, starts gunicorn with production settings, and loads each
target with wrk (8 connections), alternating with a fixed response through the same
middleware stack (the ceiling) so that noise on a shared machine cancels out. Writes
bench/results.json and bench/results.md. This folder is also the `bench` app, installed with
BENCH_MODE=1 (set for every command run here): its commands are in management/commands/.
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

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LUA = str(ROOT / "bench" / "wrk_report.lua")
PORT = int(os.environ.get("BENCH_PORT", "8400"))
BASE = f"http://127.0.0.1:{PORT}"

# Targets a person waits for: p95 under this, with 8 concurrent clients.
P95_LIMIT_MS = 150
MIN_RATIO = 0.15


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


def queries_of(
    url: str,
    *,
    cookie: str = "",
    method: str = "GET",
    body: str = "",
    content_type: str = "",
    auth: str = "",
) -> int | None:
    headers = {"Cookie": cookie} if cookie else {}
    if content_type:
        headers["Content-Type"] = content_type
    if auth:
        headers["Authorization"] = auth
    data = body.encode() if body else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local server)
        value = response.headers.get("X-Queries")
    return int(value) if value else None


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def start_server(env: dict) -> subprocess.Popen:
    workers = str(2 * (os.cpu_count() or 1) + 1)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--report-deals", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated target names")
    args = parser.parse_args()

    base_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
    main_url = f"{base_url}/crm_bench"
    report_url = f"{base_url}/crm_bench_report"
    for url in (main_url, report_url):
        ensure_database(url)
    env = env_for(main_url)
    report_env = env_for(report_url)

    print(f"== seeding {args.deals} deals (and {args.report_deals} for the report)", flush=True)
    for e, n in ((env, args.deals), (report_env, args.report_deals)):
        manage(e, "migrate", "--noinput", "-v0")
        have = int(manage(e, "bench_prepare", "--count", capture=True).strip().splitlines()[-1])
        if have < n:
            manage(e, "seed_bench", "--deals", str(n - have))
    manage(env, "collectstatic", "--noinput", "-v0")
    prepared = json.loads(manage(env, "bench_prepare", capture=True).strip().splitlines()[-1])

    print("== the funnel report at the full size", flush=True)
    report_json = ROOT / "bench" / "out" / "report.json"
    report_json.parent.mkdir(parents=True, exist_ok=True)
    manage(report_env, "bench_report", "--repeats", "5", "--json", str(report_json))
    report = json.loads(report_json.read_text())
    pdf = json.loads(manage(env, "bench_pdf", capture=True).strip().splitlines()[-1])

    server = start_server(env)
    results = {}
    try:
        targets = prepared["targets"]
        if args.only:
            wanted = set(args.only.split(","))
            targets = [t for t in targets if t["name"] in wanted]
        for target in targets:
            print(f"== {target['name']}: {target['path']}", flush=True)
            request = {
                "cookie": target.get("cookie", ""),
                "method": target.get("method", "GET"),
                "body": target.get("body", ""),
                "content_type": target.get("content_type", ""),
                "auth": target.get("auth", ""),
            }
            baseline_runs, target_runs = [], []
            for _ in range(args.rounds):
                baseline_runs.append(
                    wrk(f"{BASE}/bench/hello/", duration=args.duration, cookie=request["cookie"])
                )
                target_runs.append(wrk(BASE + target["path"], duration=args.duration, **request))
            figures = {
                key: round(median_of(target_runs, key), 2)
                for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
            }
            figures["errors"] = sum(r["errors"] for r in target_runs)
            figures["requests"] = sum(r["requests"] for r in target_runs)
            figures["queries"] = queries_of(BASE + target["path"], **request)
            figures["ceiling_rps"] = round(median_of(baseline_runs, "rps"), 2)
            figures["ratio"] = round(figures["rps"] / figures["ceiling_rps"], 3)
            figures["path"] = target["path"]
            results[target["name"]] = figures
            print(json.dumps(figures, ensure_ascii=False), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    if "intake" in results:
        stored = json.loads(
            manage(env, "bench_prepare", "--count-intake", capture=True).strip().splitlines()[-1]
        )
        results["intake"]["stored"] = stored["requests"]
        results["intake"]["not_created"] = stored["not_created"]

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    output = {
        "commit": commit,
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "deals": args.deals,
        "report_deals": args.report_deals,
        "targets": results,
        "report": report,
        "pdf": pdf,
    }
    (ROOT / "bench" / "results.json").write_text(
        json.dumps(output, ensure_ascii=False, indent=2) + "\n"
    )
    table = markdown(output)
    (ROOT / "bench" / "results.md").write_text(table)
    print(table)


def markdown(output: dict) -> str:
    lines = [
        f"Commit {output['commit']}, {output['cores']} cores, {output['deals']:,} deals "
        f"(report: {output['report_deals']:,}).".replace(",", " "),
        "",
        "| target | rps | ceiling rps | ratio | p50 ms | p95 ms | p99 ms | errors | queries | ok |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in output["targets"].items():
        if "rps" not in f:
            continue
        ok = f["errors"] == 0 and f["p95_ms"] < P95_LIMIT_MS and f["ratio"] >= MIN_RATIO
        if name.startswith("intake"):
            ok = f["errors"] == 0 and f["rps"] >= 200
        lines.append(
            f"| {name} | {f['rps']:.0f} | {f['ceiling_rps']:.0f} | {f['ratio']:.2f} | "
            f"{f['p50_ms']:.1f} | {f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {f['errors']} | "
            f"{f['queries']} | {'yes' if ok else 'NO'} |"
        )
    report = output["report"]
    lines += [
        "",
        f"Funnel report for a month at {output['report_deals']:,} deals: "
        f"{report['report_ms_median']:.0f} ms against `SELECT count(*)` "
        f"{report['count_ms_median']:.0f} ms "
        f"(×{report['ratio']:.2f}, target ≤ 3).".replace(",", " "),
    ]
    pdf = output["pdf"]
    if pdf:
        lines.append(
            f"Invoice PDF: {pdf['per_second_two_workers']:.1f} per second with two worker "
            f"processes (target ≥ 3); warm render {pdf['warm_ms']:.0f} ms against a one-line "
            f"PDF {pdf['hello_ms']:.0f} ms."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
