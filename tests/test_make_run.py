"""`make run` on another port, as a person starts it on a fresh machine: a new SQLite database
and media folder, migrations, the demo, the dev server. Every client link must carry the port
served, and open."""

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """`make run PORT=<free port>`; yields (base URL, path of its output). The environment
    is a fresh machine's: none of the settings a CI run exports, a database in tmp_path."""
    port = _free_port()
    log = tmp_path / "make-run.log"
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as out:
        # -o: the virtualenv this test runs in is installed; never pip install from a test.
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}", f"PY={sys.executable}", "-o", ".venv/.installed"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{base}/login/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        yield base, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def test_make_run_on_another_port_gives_client_links_to_that_port(served):
    base, log = served
    demo = log.read_text()
    printed = re.search(r"Счёт для клиента[^:]*: (\S+) — (.+), сделка №(\d+)", demo)
    assert printed, demo
    link, title, deal = printed.groups()
    assert link.startswith(f"{base}/p/i/")

    with httpx.Client(base_url=base, timeout=30) as staff:
        form = staff.get("/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
        login = staff.post(
            "/login/",
            data={"csrfmiddlewaretoken": csrf, "username": "manager", "password": "manager"},
        )
        assert login.status_code == 302, login.text
        card = staff.get(f"/deals/{deal}/")
        assert card.status_code == 200
    links = [
        html.unescape(value)
        for value in re.findall(
            r'<input[^>]*readonly value="([^"]+)" aria-label="Ссылка для клиента"', card.text
        )
    ]
    assert link in links
    assert all(url.startswith(f"{base}/") for url in links), links

    page = httpx.get(link, timeout=30)  # the client, not logged in
    assert page.status_code == 200
    assert html.unescape(title) in html.unescape(page.text)
