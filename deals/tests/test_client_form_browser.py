"""The client form's script in a real browser: the genitive is suggested as the signatory
is typed, and a guess is marked for the person to check."""

import shutil

import pytest
from django.db import connections
from django.urls import reverse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def page(live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()
        connections.close_all()


def test_the_genitive_is_suggested_and_a_guess_is_marked(page, live_server, manager_a):
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "manager_a")
    page.fill("input[name=password]", "manager_a")
    page.click("form button")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(live_server.url + reverse("clients:create"))

    genitive = page.locator("[name=signatory_name_genitive]")
    check = page.locator("[data-genitive-check]")
    page.fill("[name=signatory_name]", "Кох Ирина")
    page.locator("[name=signatory_name]").blur()
    expect(genitive).to_have_value("Кох Ирины")
    expect(check).to_have_count(0)

    page.fill("[name=signatory_name]", "Ким Саша")
    page.locator("[name=signatory_name]").blur()
    expect(genitive).to_have_value("Кима Саши")
    expect(check).to_contain_text("Проверьте склонение")

    page.fill("[name=signatory_position]", "Заведующая")
    page.locator("[name=signatory_position]").blur()
    expect(page.locator("[name=signatory_position_genitive]")).to_have_value("заведующей")
