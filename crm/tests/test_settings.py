import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "a-real-secret-key-" + "x7Q!" * 12,
        "ALLOWED_HOSTS": "crm.example.ru",
        "EMAIL_URL": "smtp+tls://crm:password@smtp.example.ru:587",
        # Production takes payments by bank transfer only or through YooKassa, never the
        # sandbox (see the next test).
        "PAYMENT_ONLINE": "False",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_warns_about_the_sandbox_and_passes_with_yookassa():
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PAYMENT_", "YOOKASSA_"))},
        "DEBUG": "False",
        "SECRET_KEY": "a-real-secret-key-" + "x7Q!" * 12,
        "ALLOWED_HOSTS": "crm.example.ru",
        "EMAIL_URL": "smtp+tls://crm:password@smtp.example.ru:587",
    }

    def check(**extra):
        return subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=base | extra,
            capture_output=True,
            text=True,
            timeout=120,
        )

    sandbox = check()
    assert sandbox.returncode != 0
    assert "billing.W001" in sandbox.stdout + sandbox.stderr
    yookassa = check(
        PAYMENT_PROVIDER="yookassa", YOOKASSA_SHOP_ID="123456", YOOKASSA_SECRET_KEY="live_x"
    )
    assert yookassa.returncode == 0, yookassa.stdout + yookassa.stderr


def test_default_settings_fail_the_deploy_check_so_the_test_above_means_something():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0


def test_pages_carry_a_csp_without_inline_scripts(client_a):
    response = client_a.get(reverse("deals:list"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"


def test_assets_are_served_by_the_project(client_a):
    html = client_a.get(reverse("deals:list")).text
    assert "/static/bootstrap/css/bootstrap.min.css" in html
    assert "htmx" in html
    assert "http://" not in html.split("<body")[0]
    assert "https://" not in html.split("<body")[0]
