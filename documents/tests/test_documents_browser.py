"""A proposal in a real headless Chromium under the site's Content-Security-Policy: the
manager edits the draft in the editor and sends it, the client opens the link and accepts,
and no console shows an error or a CSP violation."""

import shutil

import pytest

from documents.models import Proposal

from .conftest import CONTACT_EMAIL, default_template

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]


def test_the_manager_edits_and_sends_and_the_client_accepts_in_a_browser(
    live_server, deal_ready, manager_a, monkeypatch
):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from documents import services

    proposal = services.proposal_create(
        deal=deal_ready, template=default_template("proposal"), by=manager_a
    )
    messages = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            staff = browser.new_page()
            staff.on("console", lambda m: messages.append(m.text))
            staff.goto(f"{live_server.url}/login/")
            staff.fill("input[name=username]", "manager_a")
            staff.fill("input[name=password]", "manager_a")
            staff.click("button:has-text('Войти')")
            staff.wait_for_load_state("networkidle")
            staff.goto(live_server.url + proposal.urls["edit"])
            staff.wait_for_selector(".ProseMirror[contenteditable=true]", timeout=15000)
            staff.click(".ProseMirror[contenteditable=true] p >> nth=0")
            staff.keyboard.press("End")
            staff.keyboard.type(" ИНН: ")
            staff.click(".tag-group summary:has-text('Клиент')")
            staff.click("[data-insert-tag='client.inn']")
            staff.click("button:has-text('Сохранить')")
            staff.wait_for_load_state("networkidle")
            preview = staff.inner_text(".doc-paper")
            staff.once("dialog", lambda dialog: dialog.accept())
            staff.click("button:has-text('Зафиксировать и отправить')")
            staff.wait_for_load_state("networkidle")
            sent_message = staff.inner_text(".alert-success")

            client = browser.new_page()
            client.on("console", lambda m: messages.append(m.text))
            client.goto(live_server.url + Proposal.objects.get().public_path())
            client.fill("textarea[name=comment]", "Всё подходит")
            client.click("button:has-text('Принять предложение')")
            client.wait_for_load_state("networkidle")
            answered = client.inner_text("#answer")
        finally:
            browser.close()
    assert "ИНН: 5003123458" in preview
    assert f"Ссылка на документ отправлена на {CONTACT_EMAIL}" in sent_message
    assert "Вы приняли предложение" in answered
    assert Proposal.objects.get().status == Proposal.Status.ACCEPTED
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert violations == []
    assert [m for m in messages if "error" in m.lower()] == []
