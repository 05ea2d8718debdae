"""A real Celery worker and a real SMTP server: the path an e-mail takes in production.

The worker is a separate process, so it must see what the test wrote: these tests commit
(a transactional test database) and hand the worker that database's address."""

import email
import email.policy
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.celery import app as celery_app
from crm.mail import email_sweep
from crm.models import OutgoingEmail

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"),
        reason="needs a real broker: set CELERY_BROKER_URL (CI points it at Redis)",
    ),
]

WAIT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.skip("a worker process cannot open an in-memory SQLite test database")
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


class Inbox:
    """aiosmtpd handler: keeps every message the SMTP server accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def wait_for(self, subject_start: str, count: int = 1) -> list:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            found = [m for m in self.messages if str(m["Subject"]).startswith(subject_start)]
            if len(found) >= count:
                return found
            time.sleep(0.2)
        subjects = [str(m["Subject"]) for m in self.messages]
        raise AssertionError(f"no e-mail «{subject_start}…» in {WAIT_SECONDS} s; got {subjects}")


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def worker(transactional_db, smtp_server, tmp_path):
    """`celery -A crm worker` in its own process, on this test's database and SMTP server."""
    smtp_port, inbox = smtp_server
    database_url = _database_url()
    celery_app.control.purge()  # messages left by earlier runs are not this test's business
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "5",
        "SITE_URL": settings.SITE_URL,
        "LOG_LEVEL": "INFO",
    }
    celery = Path(sys.executable).with_name("celery")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(celery),
                "-A",
                "crm",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"test-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the worker did not start:\n" + log.read_text())
            time.sleep(0.2)
        yield inbox
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # The test database is truncated after this: the worker must not hold it.
        connection.close()


def _public(questionnaire) -> str:
    return reverse("documents:questionnaire_public", args=[questionnaire.token])


def test_a_submitted_questionnaire_arrives_at_the_smtp_server_through_a_real_worker(
    worker, anon, questionnaire, answers
):
    inbox = worker
    assert anon.get(_public(questionnaire)).status_code == 200
    response = anon.post(_public(questionnaire), {**answers, "action": "submit"})
    assert response.status_code == 302

    (submitted,) = inbox.wait_for("Клиент заполнил анкету «Бриф на сайт»")
    assert submitted["X-Envelope-To"] == "manager_a@example.ru"
    body = submitted.get_body(preferencelist=("plain",)).get_content()
    assert "ООО «Улыбка»" in body
    assert f"/deals/{questionnaire.deal.pk}/" in body
    html = submitted.get_body(preferencelist=("html",)).get_content()
    assert "Запись к врачу онлайн." in html
    inbox.wait_for("Клиент открыл анкету «Бриф на сайт»")

    row = OutgoingEmail.objects.get(template="questionnaire_submitted")
    assert row.status == OutgoingEmail.Status.SENT
    assert row.attempts == 1
    assert submitted["Message-ID"] == row.message_id
    time.sleep(1)
    assert len([m for m in inbox.messages if "заполнил" in str(m["Subject"])]) == 1


def test_an_email_queued_while_the_broker_is_down_is_delivered_by_the_sweeper(
    worker, anon, questionnaire, answers, celery_broker_down
):
    inbox = worker
    started = time.monotonic()
    assert anon.get(_public(questionnaire)).status_code == 200
    response = anon.post(_public(questionnaire), {**answers, "action": "submit"})
    assert response.status_code == 302
    assert time.monotonic() - started < 15, "a broker that is down must not hang the page"
    rows = OutgoingEmail.objects.order_by("pk")
    assert [r.status for r in rows] == [OutgoingEmail.Status.PENDING] * 2
    time.sleep(2)
    assert inbox.messages == []

    # The broker is back: the next beat of the sweeper publishes what was left behind.
    celery_broker_down.restore()
    assert email_sweep(now=timezone.now() + timedelta(minutes=2)) == 2
    inbox.wait_for("Клиент заполнил анкету")
    inbox.wait_for("Клиент открыл анкету")
    deadline = time.monotonic() + WAIT_SECONDS
    while OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists():
        assert time.monotonic() < deadline, list(rows.values("status", "last_error"))
        time.sleep(0.2)
    assert len(inbox.messages) == 2
