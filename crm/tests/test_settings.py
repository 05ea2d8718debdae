import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "a-real-secret-key-" + "x7Q!" * 12,
    "ALLOWED_HOSTS": "crm.example.ru",
    "EMAIL_URL": "smtp+tls://crm:password@smtp.example.ru:587",
}


def environment(**values) -> dict:
    """This process's environment without the settings under test, plus the values given
    (None drops a variable)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PAYMENT_", "YOOKASSA_")) and k not in {"DEBUG", "SECRET_KEY"}
    }
    return {k: v for k, v in (base | values).items() if v is not None}


def run(*args, **values) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=ROOT,
        env=environment(**values),
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args, **values) -> subprocess.CompletedProcess:
    return run(sys.executable, "manage.py", *args, **values)


def gunicorn_loads_the_app(**values) -> subprocess.CompletedProcess:
    """gunicorn --check-config imports crm.wsgi as a real start does, then exits: 0 when the
    application loaded, 1 with the error otherwise."""
    return run(
        str(Path(sys.executable).parent / "gunicorn"), "--check-config", "crm.wsgi", **values
    )


def test_production_settings_pass_the_deploy_check():
    # Production takes payments by bank transfer only or through YooKassa, never the
    # sandbox (see below). The same command runs in CI.
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, PAYMENT_ONLINE="False"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sandbox_with_debug_off_stops_the_plain_check_and_yookassa_passes():
    sandbox = manage("check", **PRODUCTION)
    assert sandbox.returncode != 0
    assert "billing.E002" in sandbox.stderr
    assert "PAYMENT_SANDBOX_IN_PRODUCTION" in sandbox.stderr
    yookassa = manage(
        "check",
        **PRODUCTION,
        PAYMENT_PROVIDER="yookassa",
        YOOKASSA_SHOP_ID="123456",
        YOOKASSA_SECRET_KEY="live_x",
    )
    assert yookassa.returncode == 0, yookassa.stdout + yookassa.stderr


def test_migrate_does_not_run_with_the_sandbox_and_debug_off(tmp_path):
    database = tmp_path / "db.sqlite3"
    result = manage("migrate", **PRODUCTION, DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode != 0
    assert "billing.E002" in result.stderr
    assert "Applying" not in result.stdout


def test_a_site_may_run_the_sandbox_with_debug_off_by_saying_so():
    result = manage("check", **PRODUCTION, PAYMENT_SANDBOX_IN_PRODUCTION="True")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_embedded_secret_key_stops_the_plain_check_with_debug_off():
    without_key = manage("check", **PRODUCTION | {"SECRET_KEY": None}, PAYMENT_ONLINE="False")
    assert without_key.returncode != 0
    assert "crm.E001" in without_key.stderr
    assert "billing.E002" not in without_key.stderr
    # A developer's machine runs with the embedded key.
    laptop = manage("check")
    assert laptop.returncode == 0, laptop.stdout + laptop.stderr


def test_gunicorn_does_not_start_with_the_sandbox_or_the_embedded_key():
    sandbox = gunicorn_loads_the_app(**PRODUCTION)
    assert sandbox.returncode != 0
    assert "ImproperlyConfigured" in sandbox.stderr and "billing.E002" in sandbox.stderr
    embedded_key = gunicorn_loads_the_app(
        **PRODUCTION | {"SECRET_KEY": None}, PAYMENT_ONLINE="False"
    )
    assert embedded_key.returncode != 0
    assert "crm.E001" in embedded_key.stderr and "billing.E002" not in embedded_key.stderr
    allowed = gunicorn_loads_the_app(**PRODUCTION, PAYMENT_SANDBOX_IN_PRODUCTION="True")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_default_settings_fail_the_deploy_check_so_the_test_above_means_something():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
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
