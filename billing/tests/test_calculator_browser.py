"""The calculator in a real browser: the live totals and the catalog picker are htmx wiring
that only a browser exercises."""

import shutil
from decimal import Decimal

import pytest
from django.db import connections

from billing.models import Calculation

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
]


sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def page(live_server, monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()
        # While Playwright's loop runs, the ORM works through a connection of its own:
        # close it here, or the test database cannot be dropped afterwards.
        connections.close_all()


def login(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("form button")
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_totals_follow_typing_and_the_catalog_adds_rows(page, live_server, deal_a, catalog):
    login(page, live_server, "manager_a")
    page.goto(f"{live_server.url}/deals/{deal_a.pk}/calculations/new/")

    page.fill("input[type=search]", "разработка")
    page.click("#catalog-results button:has-text('Разработка сайта')")
    page.wait_for_selector("input[name=lines-1-name]")
    assert page.input_value("input[name=lines-1-name]") == "Разработка сайта"
    expect(page.locator("#calc-total")).to_contain_text("120\u00a0000,00")

    page.fill("input[name=lines-0-name]", "Доработки")
    page.fill("input[name=lines-0-quantity]", "1,5")
    page.fill("input[name=lines-0-price]", "2500")
    expect(page.locator("#calc-total")).to_contain_text("123\u00a0750,00")
    expect(page.locator("#lines-0-total")).to_have_text("3\u00a0750,00")

    page.fill("input[name=lines-0-quantity]", "-1")
    expect(page.locator("#calc-skipped")).to_be_visible()
    expect(page.locator("#lines-0-total")).to_have_text("Количество не может быть отрицательным.")
    page.fill("input[name=lines-0-quantity]", "2")
    expect(page.locator("#calc-total")).to_contain_text("125\u00a0000,00")

    page.click("button:has-text('Сохранить расчёт')")
    page.wait_for_selector(".alert-success")
    page.wait_for_load_state("networkidle")  # the saved page's own catalog request
    calc = Calculation.objects.get(deal=deal_a)
    assert calc.total == Decimal("125000.00")
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("125000.00")
