"""The client pays an invoice in a real browser: the pay button's form, the redirect to the
payment page and back. Only a browser applies the page's referrer policy to the form's
Origin header (which the CSRF check reads) and the CSP to where the form may lead."""

import shutil

import pytest
from django.db import connections

from billing.models import Invoice

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def page(live_server, monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SITE_URL = live_server.url
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()
        connections.close_all()


def test_the_client_pays_from_the_link_in_the_sandbox(page, live_server, invoice, sandbox_settings):
    page.goto(live_server.url + invoice.public_path())
    page.click("button:has-text('Оплатить онлайн')")
    page.wait_for_url("**/p/pay/sandbox/**")
    expect(page.locator("h1")).to_contain_text(f"Оплата по счёту № {invoice.number}")
    page.click("button:has-text('Оплатить')")
    page.wait_for_url("**/p/i/**")
    expect(page.locator(".alert-success")).to_contain_text("Счёт оплачен.")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_the_manager_adds_lines_by_hand(page, live_server, invoice_deal):
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "manager_a")
    page.fill("input[name=password]", "manager_a")
    page.click("form button")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{live_server.url}/deals/{invoice_deal.pk}/invoices/new/?manual=1")
    page.click("text=+ Строка")
    page.fill("input[name=lines-0-name]", "Разработка")
    page.fill("input[name=lines-0-price]", "1000")
    page.fill("input[name=lines-1-name]", "Хостинг")
    page.fill("input[name=lines-1-quantity]", "2")
    page.fill("input[name=lines-1-price]", "500,50")
    page.click("button:has-text('Создать черновик счёта')")
    page.wait_for_url("**/invoices/*/")
    invoice = Invoice.objects.get()
    assert [line.name for line in invoice.lines.all()] == ["Разработка", "Хостинг"]
    assert str(invoice.total) == "2001.00"
