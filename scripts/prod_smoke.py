"""`make prod-smoke`: the product as it runs in production, checked over HTTP.

Starts gunicorn (two processes), a Celery worker and beat against PostgreSQL and Redis, with
SMTP to a local server; then posts a lead, fills a questionnaire, downloads an invoice's PDF
rendered by the worker (laid out by its stylesheet, no resource lost) and pays the invoice in
the sandbox, and checks that every expected e-mail arrived exactly once. Then it kills the worker
with SIGKILL in the middle of a batch of e-mails, starts it again, and checks that none was
lost. Exits non-zero on any failure.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
WORK = ROOT / "var" / "prod-smoke"
SITE_KEY = "smoke-site-key-" + "s" * 20
BATCH = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Smoke:
    def __init__(self):
        WORK.mkdir(parents=True, exist_ok=True)
        self.web_port = free_port()
        self.smtp_port = free_port()
        self.mail_log = WORK / "mail.jsonl"
        self.mail_log.write_text("")
        self.base = f"http://127.0.0.1:{self.web_port}"
        pg = os.environ.get("SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm_smoke")
        redis = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379")
        self.database_url = pg
        self.env = {
            **os.environ,
            "DEBUG": "False",
            "SECRET_KEY": "smoke-" + "q" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.base,
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": pg,
            "CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": f"{redis}/9",
            "CACHE_URL": f"{redis}/8",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "PAYMENT_PROVIDER": "sandbox",
            "PAYMENT_SANDBOX_IN_PRODUCTION": "True",
            "CRM_DEMO_SITE_KEY": SITE_KEY,
            "EMAIL_SWEEP_SECONDS": "3",
            "EMAIL_SWEEP_GRACE_SECONDS": "5",
            "EMAIL_REQUEUE_SECONDS": "10",
            "EMAIL_SENDING_STALE_SECONDS": "15",
            "LOG_LEVEL": "ERROR",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    # Processes

    def run(self, *args: str) -> str:
        return subprocess.run(
            [str(VENV / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def start(self, name: str, *command: str) -> None:
        log = (WORK / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )

    def start_worker(self) -> None:
        self.start(
            "worker",
            str(VENV / "celery"),
            "-A",
            "crm",
            "worker",
            "-c",
            "2",
            "-l",
            "warning",
            "-n",
            f"smoke{time.time_ns()}@%h",
        )

    def kill(self, name: str, sig=signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name)

    def prepare(self) -> None:
        name = self.database_url.rsplit("/", 1)[1]
        admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        redis_host = self.env["CELERY_BROKER_URL"].split("//")[1].split("/")[0].split(":")
        for db in ("8", "9"):
            subprocess.run(
                ["redis-cli", "-h", redis_host[0], "-p", redis_host[1], "-n", db, "FLUSHDB"],
                check=True,
                capture_output=True,
            )
        self.run("migrate", "--noinput", "-v0")
        self.run("collectstatic", "--noinput", "-v0")
        self.run("demo")
        self.run("shell", "-c", SETUP_SNIPPET)
        self.start(
            "smtp",
            str(VENV / "python"),
            "scripts/smoke_smtp.py",
            "--port",
            str(self.smtp_port),
            "--out",
            str(self.mail_log),
            "--delay",
            "0.25",
        )
        self.start(
            "web",
            str(VENV / "gunicorn"),
            "crm.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{self.web_port}",
            "--log-level",
            "warning",
        )
        self.start_worker()
        self.start(
            "beat",
            str(VENV / "celery"),
            "-A",
            "crm",
            "beat",
            "-l",
            "warning",
            "-s",
            str(WORK / "beat-schedule"),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.base}/login/", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)

    # Mail

    def mails(self) -> list[dict]:
        return [json.loads(line) for line in self.mail_log.read_text().splitlines() if line]

    def wait_for_mail(self, subject_part: str, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.mails() if subject_part in m["subject"]]
            if found:
                return found
            time.sleep(0.3)
        raise AssertionError(f"no e-mail «{subject_part}» within {timeout} s")

    # HTTP

    def login(self, username: str) -> httpx.Client:
        client = httpx.Client(base_url=self.base, follow_redirects=False, timeout=20)
        page = client.get("/login/")
        response = client.post(
            "/login/",
            data={
                "username": username,
                "password": username,
                "csrfmiddlewaretoken": csrf(page.text),
            },
        )
        assert response.status_code == 302, f"login of {username} failed"
        return client


SETUP_SNIPPET = """
from documents.models import QuestionKind, QuestionnaireTemplate, TemplateQuestion
t, created = QuestionnaireTemplate.objects.get_or_create(title="Короткий бриф")
if created:
    TemplateQuestion.objects.create(
        template=t, order=1, text="Что нужно сделать?", kind=QuestionKind.SHORT, required=True
    )
print(t.pk)
"""

BATCH_SNIPPET = """
from django.db import transaction
from crm.mail import email_queue
with transaction.atomic():
    for i in range({n}):
        email_queue(
            event_key=f"smoke-batch:{{i}}",
            to=f"batch{{i}}@example.ru",
            template="client_link",
            context={{"title": f"пакет №{{i}}", "url": "http://127.0.0.1/"}},
        )
"""

STATE_SNIPPET = """
import json
from crm.models import OutgoingEmail
rows = OutgoingEmail.objects.filter(event_key__startswith="smoke-batch:")
print(json.dumps([[r.message_id, r.status] for r in rows]))
"""


def csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def step(title: str) -> None:
    print(f"== {title}", flush=True)


def check_flows(smoke: Smoke) -> None:
    step("a website posts a lead")
    response = httpx.post(
        f"{smoke.base}/api/leads/",
        json={"name": "Смоук Тестов", "phone": "+79990001122", "message": "Нужен сайт"},
        headers={"Authorization": f"Bearer {SITE_KEY}", "Idempotency-Key": "smoke-1"},
        timeout=20,
    )
    assert response.status_code == 201, response.text
    deal_id = response.json()["id"]

    step("the manager sends a questionnaire, the client fills it in")
    manager = smoke.login("manager")
    card = manager.get(f"/deals/{deal_id}/")
    assert card.status_code == 200
    template_id = re.search(r'<option value="(\d+)"[^>]*>Короткий бриф', card.text).group(1)
    created = manager.post(
        f"/deals/{deal_id}/questionnaires/new/",
        data={"template": template_id, "csrfmiddlewaretoken": csrf(card.text)},
    )
    assert created.status_code == 302
    card = manager.get(f"/deals/{deal_id}/")
    path = re.search(r"(/p/q/[A-Za-z0-9_-]+/)", card.text).group(1)

    client = httpx.Client(base_url=smoke.base, timeout=20)
    page = client.get(path)
    assert page.status_code == 200
    field = re.search(r'name="(q\d+)"', page.text).group(1)
    submitted = client.post(
        path,
        data={
            field: "Интернет-магазин",
            "action": "submit",
            "csrfmiddlewaretoken": csrf(page.text),
        },
    )
    assert submitted.status_code == 302, submitted.text[:500]

    expected = [
        f"{verb} анкету «Короткий бриф» — сделка №{deal_id}"
        for verb in ("Клиент открыл", "Клиент заполнил")
    ]
    check_invoice_flow(smoke, manager, deal_id, expected)
    for subject in expected:
        smoke.wait_for_mail(subject)
    time.sleep(5)  # anything sent twice would arrive by now
    for subject in expected:
        count = len([m for m in smoke.mails() if subject in m["subject"]])
        assert count == 1, f"«{subject}» arrived {count} times"
        print(f"   «{subject}»: once", flush=True)


def check_invoice_flow(smoke: Smoke, manager: httpx.Client, deal_id: int, expected: list) -> None:
    """The client pays an issued invoice of the demo in the sandbox, from its link."""
    step("the client pays an invoice online (sandbox)")
    listing = manager.get("/billing/invoices/", params={"status": "sent"})
    assert listing.status_code == 200
    staff_path = re.search(r'href="(/deals/\d+/invoices/\d+/)"', listing.text).group(1)
    staff_page = manager.get(staff_path)
    public_path = re.search(r"(/p/i/[A-Za-z0-9_-]+/)", staff_page.text).group(1)
    deal_number = re.search(r"/deals/(\d+)/", staff_path).group(1)
    check_invoice_pdf(smoke, manager, staff_path)

    client = httpx.Client(base_url=smoke.base, timeout=20)
    page = client.get(public_path)
    assert page.status_code == 200 and "Оплатить онлайн" in page.text
    started = client.post(public_path + "pay/", data={"csrfmiddlewaretoken": csrf(page.text)})
    assert started.status_code == 302, started.text[:300]
    sandbox_path = started.headers["Location"]
    sandbox = client.get(sandbox_path)
    assert sandbox.status_code == 200
    paid = client.post(
        sandbox_path, data={"action": "pay", "csrfmiddlewaretoken": csrf(sandbox.text)}
    )
    assert paid.status_code == 302
    after = client.get(public_path)
    assert "Оплачен" in after.text or "оплачен" in after.text
    expected.append(f"оплачен: сделка №{deal_number} ")


# What WeasyPrint and crm.pdf log when a PDF loses a stylesheet, an image or a font.
LOST_RESOURCE = re.compile(r"Failed to load|Unsupported stylesheet|Font-face|was rendered without")


def check_invoice_pdf(smoke: Smoke, manager: httpx.Client, staff_path: str) -> None:
    """The invoice's PDF, rendered by the worker from collected static files with hashed
    names, is laid out by invoice.css, and the worker lost no resource on any PDF."""
    step("the worker renders the invoice PDF with its stylesheet")
    sys.path.insert(0, str(ROOT))
    from crm.testing import pdf_page_size, pdf_span

    deadline = time.monotonic() + 60
    while True:
        response = manager.get(staff_path + "pdf/")
        if response.status_code == 200:
            break
        assert response.status_code == 302, f"invoice PDF: HTTP {response.status_code}"
        assert time.monotonic() < deadline, "the worker did not render the invoice PDF"
        time.sleep(1)
    assert response.headers["Content-Type"] == "application/pdf"
    data = response.content
    width, height = pdf_page_size(data)
    assert (width, height) == (595.3, 841.9), f"not A4 portrait: {width} × {height}"
    # invoice.css sets the title in 14 pt (print.css alone: 15 pt) and the totals on the right.
    title = pdf_span(data, "Счёт на оплату")
    assert title.size == 14, f"the invoice title is {title.size} pt: invoice.css was not applied"
    total = pdf_span(data, "Всего к оплате")
    assert total.x > width / 2, "the totals are not on the right: invoice.css was not applied"
    check_no_lost_resources()
    print(f"   {len(data)} bytes, title {title.size:g} pt, totals at x={total.x:g}", flush=True)


def check_no_lost_resources() -> None:
    """No PDF rendered so far (the demo's documents, the invoices) lost a resource."""
    for name in ("worker", "web"):
        lost = LOST_RESOURCE.findall((WORK / f"{name}.log").read_text())
        assert not lost, f"the {name} log reports lost PDF resources: {lost}"


def check_worker_kill(smoke: Smoke) -> None:
    step(f"a batch of {BATCH} e-mails; the worker is killed in the middle of it")
    before = len(smoke.mails())
    smoke.run("shell", "-c", BATCH_SNIPPET.format(n=BATCH))
    deadline = time.monotonic() + 60
    while len(smoke.mails()) - before < 8:
        assert time.monotonic() < deadline, "the batch did not start"
        time.sleep(0.1)
    smoke.kill("worker", signal.SIGKILL)
    delivered_at_kill = len(smoke.mails()) - before
    print(f"   SIGKILL after {delivered_at_kill} of {BATCH}", flush=True)
    time.sleep(1)
    smoke.start_worker()

    deadline = time.monotonic() + 120
    while True:
        rows = json.loads(smoke.run("shell", "-c", STATE_SNIPPET).strip().splitlines()[-1])
        if all(status == "sent" for _, status in rows) and len(rows) == BATCH:
            break
        assert time.monotonic() < deadline, f"not all sent: {rows}"
        time.sleep(1)
    received = [m["message_id"] for m in smoke.mails()]
    missing = [mid for mid, _ in rows if mid not in received]
    duplicates = sum(received.count(mid) - 1 for mid, _ in rows if received.count(mid) > 1)
    assert not missing, f"lost e-mails: {missing}"
    print(f"   all {BATCH} delivered; sent twice (killed mid-send): {duplicates}", flush=True)


def main() -> int:
    smoke = Smoke()
    try:
        smoke.prepare()
        check_flows(smoke)
        check_worker_kill(smoke)
        check_no_lost_resources()
    except AssertionError as exc:
        print(f"FAILED: {exc}", flush=True)
        for name in ("web", "worker", "beat", "smtp"):
            log = WORK / f"{name}.log"
            if log.exists():
                print(f"--- {name}.log\n{log.read_text()[-3000:]}")
        return 1
    finally:
        smoke.stop_all()
    print("prod-smoke: OK", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
