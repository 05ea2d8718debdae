"""The calculator in a real browser: the live totals and the catalog picker are htmx wiring
that only a browser exercises."""

import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections

from billing.models import Calculation

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))

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


@pytest.mark.django_db(transaction=True)
def test_totals_follow_typing_and_the_catalog_adds_rows(page, live_server, deal_a, catalog):
    login(page, live_server, "manager_a")
    page.goto(f"{live_server.url}/deals/{deal_a.pk}/calculations/new/")

    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.locator("tr.calc-line").count() == 1  # the blank first row

    # The pick fills that blank row instead of adding a second one under it.
    page.fill("input[type=search]", "разработка")
    page.click("#catalog-results button:has-text('Разработка сайта')")
    expect(page.locator("input[name=lines-0-name]")).to_have_value("Разработка сайта")
    assert page.locator("tr.calc-line").count() == 1
    expect(page.locator("#calc-total")).to_contain_text("120\u00a0000,00")

    page.click("button:has-text('+ Строка без каталога')")
    page.wait_for_selector("input[name=lines-1-name]")
    page.fill("input[name=lines-1-name]", "Доработки")
    page.fill("input[name=lines-1-quantity]", "1,5")
    page.fill("input[name=lines-1-price]", "2500")
    expect(page.locator("#calc-total")).to_contain_text("123\u00a0750,00")
    expect(page.locator("#lines-1-total")).to_have_text("3\u00a0750,00")

    page.fill("input[name=lines-1-quantity]", "-1")
    expect(page.locator("#calc-skipped")).to_be_visible()
    expect(page.locator("#lines-1-total")).to_have_text("Количество не может быть отрицательным.")
    page.fill("input[name=lines-1-quantity]", "2")
    expect(page.locator("#calc-total")).to_contain_text("125\u00a0000,00")

    # A discount of 5 000 % is refused as it is typed, at the field itself.
    page.fill("input[name=lines-1-discount]", "5000")
    expect(page.locator("#lines-1-total")).to_have_text("Скидка не может быть больше 100 %.")
    expect(page.locator("input[name=lines-1-discount]")).to_have_class(re.compile("is-invalid"))
    page.fill("input[name=discount]", "5000")
    expect(page.locator("#calc-discount-error")).to_contain_text("больше 100 %")
    expect(page.locator("input[name=discount]")).to_have_class(re.compile("is-invalid"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "calculator-1366-refused-discount.png", full_page=True)
    page.fill("input[name=lines-1-discount]", "0")
    page.fill("input[name=discount]", "0")
    expect(page.locator("#lines-1-total")).to_have_text("5\u00a0000,00")
    expect(page.locator("input[name=lines-1-discount]")).not_to_have_class(re.compile("is-invalid"))

    # Every column of the lines fits a 1 366 px screen: nothing to scroll sideways.
    widths = page.evaluate(
        "(() => { const box = document.querySelector('#calc-form .table-responsive');"
        " return [box.scrollWidth, box.clientWidth]; })()"
    )
    assert widths[0] <= widths[1], widths
    page.screenshot(path=SHOTS / "calculator-1366.png", full_page=True)

    page.click("button:has-text('Сохранить расчёт')")
    page.wait_for_selector(".alert-success")
    page.wait_for_load_state("networkidle")  # the saved page's own catalog request
    calc = Calculation.objects.get(deal=deal_a)
    assert calc.total == Decimal("125000.00")
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("125000.00")
