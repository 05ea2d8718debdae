"""`manage.py poll_mailboxes` in its own process, killed with SIGKILL in the middle of a
batch: the next poll takes what is left and nothing is lost or read twice.

The poller is a separate process, so it must see what the test wrote: this test commits (a
transactional test database) and hands the process that database's address."""

import os
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from correspondence import imap
from correspondence.models import IncomingMessage, Mailbox
from deals.models import Deal

pytestmark = [pytest.mark.imap, pytest.mark.django_db(transaction=True)]

MESSAGES = 40


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.skip("a poller process cannot open an in-memory SQLite test database")
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def _order(n: int) -> bytes:
    order = EmailMessage()
    order["From"] = f"client{n}@orders.test"
    order["To"] = "sales@crm.test"
    order["Subject"] = f"Заказ {n}"
    order["Message-ID"] = make_msgid(domain="orders.test")
    order.set_content(f"Заказ номер {n}.")
    return order.as_bytes()


def test_a_poller_killed_with_sigkill_mid_batch_loses_and_doubles_nothing(
    stages, manager_a, imap_server, mail_settings, tmp_path
):
    database_url = _database_url()
    for n in range(MESSAGES):
        imap_server.deliver(_order(n))
    url = f"imap://{imap_server.username}:{imap_server.password}@127.0.0.1:{imap_server.port}/INBOX"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        "DATABASE_URL": database_url,
        "MAIL_IMAP_URL": url,
        "MAIL_IMAP_REQUIRE_SSL": "False",
        "MAIL_SALES_ADDRESS": "sales@crm.test",
        "MAIL_POLL_BATCH": str(MESSAGES),
        "MAIL_POLL_LOCK_SECONDS": "2",
    }
    env.pop("CELERY_BROKER_URL", None)  # notifications' e-mails stay in the outbox table
    log = tmp_path / "poller.log"
    with log.open("wb") as out:
        poller = subprocess.Popen(
            [sys.executable, "manage.py", "poll_mailboxes"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while IncomingMessage.objects.count() < 5:
            assert poller.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.01)
        poller.send_signal(signal.SIGKILL)
        poller.wait(10)
    taken_before = IncomingMessage.objects.count()
    assert 5 <= taken_before < MESSAGES, "the poller was to die in the middle of the batch"

    # The dead poller's lock on the mailbox (shared through Redis in production) runs out.
    time.sleep(2.5)
    mail_settings.MAIL_IMAP_URL = url
    imap.poll_all()
    imap.poll_all()

    assert IncomingMessage.objects.count() == MESSAGES
    assert set(IncomingMessage.objects.values_list("status", flat=True)) == {"created"}
    titles = sorted(Deal.objects.values_list("title", flat=True))
    assert titles == sorted(f"Письмо: Заказ {n}" for n in range(MESSAGES))
    [mailbox] = Mailbox.objects.all()
    assert mailbox.last_uid == MESSAGES
    assert all("\\Seen" in flags for flags in imap_server.flags().values())
