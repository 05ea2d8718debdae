"""Forms in a real browser: a submit button shows its work and refuses a second click, the
calculator's catalog fills the blank first row and its columns fit a 1 366 px screen, the
requisites form marks what a legal form requires before it is sent. Screenshots go to
test-artifacts/screenshots/ like the other browser tests'."""

from decimal import Decimal

import pytest
from django.db import connections

from .test_e2e_browser import CHROMIUM, Actor, sync_api

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser(live_server, monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SITE_URL = live_server.url
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()
        connections.close_all()


BUSY_BUTTON = "form[data-submitting] button.is-busy:disabled"


def test_a_submit_button_shows_its_work_and_sends_once(browser, live_server, manager_a, stages):
    from deals.models import Deal

    anna = Actor(browser, live_server, "forms-submit")
    anna.login("manager_a")
    page = anna.page
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    # A refusal: the page comes back with the message, and the button works again.
    anna.go("/deals/new/", "deal-form")
    page.click("button:has-text('Создать сделку')")
    page.wait_for_selector(".invalid-feedback")
    button = page.locator("button:has-text('Создать сделку')")
    assert button.is_enabled()
    assert "Введите название сделки." in page.inner_text("main")

    # While the answer is awaited: the button is disabled with a spinner, and Enter or a
    # second submit sends nothing. (The page stops its own navigation here so that the
    # waiting state can be looked at; the guard has acted by then.)
    page.fill("input[name=title]", "Сайт для пекарни")
    page.fill("input[name=budget]", "150 000")
    page.evaluate(
        """() => {
            window.sentForms = 0;
            window.addEventListener("submit", (event) => {
                if (!event.defaultPrevented) window.sentForms += 1;
                event.preventDefault();
            });
        }"""
    )
    page.click("button:has-text('Создать сделку')")
    page.wait_for_selector(BUSY_BUTTON)
    assert page.locator("button.is-busy [data-busy-spinner]").count() == 1
    page.locator("input[name=title]").press("Enter")
    page.evaluate("document.querySelector('main form[method=post]').requestSubmit()")
    assert page.evaluate("window.sentForms") == 1
    anna.shot("deal-form-busy")

    # The real thing: one click, one deal, with the budget as typed.
    anna.go("/deals/new/", "deal-form-again")
    page.fill("input[name=title]", "Сайт для пекарни")
    page.fill("input[name=budget]", "150 000")
    posts.clear()
    page.click("button:has-text('Создать сделку')")
    page.wait_for_url(lambda url: "/deals/new/" not in url)
    assert len(posts) == 1
    deal = Deal.objects.get()
    assert (deal.title, deal.budget) == ("Сайт для пекарни", Decimal("150000"))

    # Back to the form from the deal card: the button is not left disabled.
    page.go_back()
    page.wait_for_selector("button:has-text('Создать сделку')")
    assert page.locator("button:has-text('Создать сделку')").is_enabled()
    assert page.locator("[data-busy-spinner]").count() == 0
    assert page.locator(BUSY_BUTTON).count() == 0
    # The refused form's 400 is the only thing the console reports: no script error.
    assert [m for m in anna.console if "status of 400" not in m] == []


def _contrast(rgb_a: str, rgb_b: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(rgb: str) -> float:
        parts = [int(p) / 255 for p in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_requisites_form_marks_required_fields_per_legal_form(browser, live_server, manager_a):
    anna = Actor(browser, live_server, "forms-requisites")
    anna.page.set_viewport_size({"width": 1366, "height": 900})
    anna.login("manager_a")
    page = anna.page
    anna.go("/clients/new/", "client-form-legal-1366")

    def marked() -> set[str]:
        return set(
            page.eval_on_selector_all(
                ".field-required:not([hidden]) input, .field-required:not([hidden]) textarea",
                "els => els.filter(e => e.offsetParent !== null).map(e => e.name)",
            )
        )

    def star(name: str) -> str:
        return page.evaluate(
            f"getComputedStyle(document.querySelector('label[for=id_{name}]'), '::after').content"
        )

    assert {"inn", "kpp", "ogrn", "legal_address", "signatory_name"} <= marked()
    assert star("kpp") == '" *"'
    assert star("okpo") in ("none", "normal")

    # Another legal form: its own fields get the mark at once, before anything is sent.
    page.check("input[name=kind][value=entrepreneur]")
    assert {"person_name", "inn", "ogrnip", "ogrnip_date", "registration_address"} <= marked()
    assert "kpp" not in marked()
    assert page.get_attribute("input[name=ogrnip]", "aria-required") == "true"
    assert page.get_attribute("input[name=kpp]", "aria-required") is None
    # The date box is the browser's own, in a page that says it is Russian: a Russian
    # browser draws it дд.мм.гггг (headless Chromium keeps its built-in en-US order).
    assert page.get_attribute("html", "lang") == "ru"
    assert page.get_attribute("input[name=ogrnip_date]", "type") == "date"
    anna.shot("client-form-entrepreneur-1366")

    # An unchecked radio stands out from the page: at least 3:1 (WCAG for controls).
    radio = page.locator("input[name=kind][value=legal]")
    border = radio.evaluate("el => getComputedStyle(el).borderTopColor")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert _contrast(border, background) >= 3, (border, background)
    page.set_viewport_size({"width": 360, "height": 740})
    anna.shot("client-form-entrepreneur-360")
    assert [m for m in anna.console if "status of 400" not in m] == []
