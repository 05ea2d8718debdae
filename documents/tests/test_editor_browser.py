"""The template editor in a real headless Chromium, under the site's Content-Security-Policy
(script-src 'self', style-src 'self'): it starts, a click on a tag inserts it at the cursor,
and the console shows no CSP violation."""

import shutil

import pytest

from documents.models import DocumentTemplate

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
    # The rows the data migrations wrote come back through the root conftest.
    pytest.mark.django_db(transaction=True),
]


def test_the_editor_runs_under_the_csp_and_inserts_a_tag_at_the_cursor(
    live_server, head, transactional_db, monkeypatch
):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API keeps an event loop in this thread; the database is touched only
    # before and after it runs.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    template = DocumentTemplate.objects.create(
        name="Проверка", kind="proposal", body="<h1>КП</h1><p>Клиент:</p><p>Конец</p>"
    )
    messages = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: messages.append(m.text))
            page.on("pageerror", lambda e: messages.append(str(e)))
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", "head")
            page.fill("input[name=password]", "head")
            page.click("button:has-text('Войти')")
            page.wait_for_load_state("networkidle")
            response = page.goto(f"{live_server.url}/documents/templates/{template.pk}/edit/")
            csp = response.headers.get("content-security-policy", "")
            editor = page.wait_for_selector(".ProseMirror[contenteditable=true]", timeout=15000)
            menu_titles = page.eval_on_selector_all(
                ".prose-editor [title]", "els => els.map(e => e.title)"
            )
            page.click(".ProseMirror[contenteditable=true] p >> nth=0")
            page.keyboard.press("End")
            page.click(".tag-group summary:has-text('Клиент')")
            page.click("[data-insert-tag='client.inn']")
            page.click("button:has-text('Сохранить')")
            page.wait_for_load_state("networkidle")
            saved_message = page.inner_text(".alert-success")
        finally:
            browser.close()
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert editor is not None
    assert "Полужирный" in menu_titles  # the menu speaks Russian
    assert saved_message.startswith("Шаблон «Проверка» сохранён.")
    template.refresh_from_db()
    assert template.body == "<h1>КП</h1><p>Клиент:{{ client.inn }}</p><p>Конец</p>"
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert violations == []
    assert [m for m in messages if "error" in m.lower()] == []


def test_a_tag_typed_by_hand_stays_a_tag_and_the_template_saves(
    live_server, head, transactional_db, monkeypatch
):
    """«client.name» looks like a web address (.name is a domain zone): typed by hand inside
    {{ }}, it must stay text, while an address typed as one still becomes a link."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    template = DocumentTemplate.objects.create(name="Руками", kind="proposal", body="<p>Начало</p>")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", "head")
            page.fill("input[name=password]", "head")
            page.click("button:has-text('Войти')")
            page.wait_for_load_state("networkidle")
            page.goto(f"{live_server.url}/documents/templates/{template.pk}/edit/")
            page.wait_for_selector(".ProseMirror[contenteditable=true]", timeout=15000)
            page.click(".ProseMirror[contenteditable=true] p >> nth=0")
            page.keyboard.press("End")
            page.keyboard.type(
                " для {{ client.name }} и {{ seller.name }}, сайт https://example.ru "
            )
            links = page.eval_on_selector_all(
                ".ProseMirror a", "els => els.map(e => e.textContent)"
            )
            page.click("button:has-text('Сохранить')")
            page.wait_for_load_state("networkidle")
            saved_message = page.inner_text(".alert-success")
        finally:
            browser.close()
    assert links == ["https://example.ru"]
    assert saved_message.startswith("Шаблон «Руками» сохранён.")
    template.refresh_from_db()
    assert "для {{ client.name }} и {{ seller.name }}, сайт <a" in template.body
