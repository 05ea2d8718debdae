"""«Написать письмо» in a real Chromium: the manager writes in the document editor, the letter
is on the card and in the timeline; the client's reply reads on a phone without sideways
scrolling. Screenshots at 1366 and 360 px go to test-artifacts/screenshots/."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]

REPLY = (
    "From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan.petrov.very.long.address@client.test>\r\n"
    "To: {to}\r\nSubject: =?utf-8?b?UmU6INCh0LzQtdGC0LA=?=\r\n"
    "Message-ID: <reply-1@client.test>\r\nIn-Reply-To: {in_reply_to}\r\nMIME-Version: 1.0\r\n"
    'Content-Type: text/html; charset="utf-8"\r\n\r\n'
    "<p>Спасибо! Смету посмотрели, всё устраивает. Ссылка на макет: "
    "https://example.com/a/very/long/path/without/any/breaks/that/could/widen/the/page/on/a/phone"
    "</p><table><tr><td>Позиция</td><td>Сумма</td></tr></table>"
    '<div class="gmail_quote">Старое письмо</div>\r\n'
)


def test_a_manager_writes_a_letter_and_reads_the_reply_on_a_phone(
    live_server, stages, manager_a, monkeypatch, settings
):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from contacts.models import Contact
    from correspondence import services
    from correspondence.models import DealEmail, Mailbox
    from deals import services as deal_services

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MAIL_SALES_ADDRESS = "sales@crm.test"
    manager_a.email_signature = "С уважением,\nАнна"
    manager_a.save()
    deal = deal_services.deal_create(title="Сайт для «Ромашки»", manager=manager_a, by=manager_a)
    deal_services.contact_save(
        contact=Contact(name="Иван Петров"),
        phones=[],
        emails=["ivan.petrov.very.long.address@client.test"],
        deal=deal,
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            desktop = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
            page = desktop.new_page()
            page.set_default_timeout(15_000)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", "manager_a")
            page.fill("input[name=password]", "manager_a")
            page.click("form button")
            page.wait_for_url(lambda url: "/login/" not in url)
            page.goto(f"{live_server.url}{deal.get_absolute_url()}")
            page.click("#mail-compose")
            page.wait_for_selector(".ProseMirror[contenteditable=true]")
            page.fill("input[name=subject]", "Смета по сайту")
            page.click(".ProseMirror[contenteditable=true]")
            page.keyboard.type("Добрый день! Смета готова, посмотрите, пожалуйста.")
            page.screenshot(path=SHOTS / "mail-01-compose-1366.png", full_page=True)
            page.click("button:has-text('Отправить')")
            page.wait_for_url(lambda url: url.endswith("#panel-mail"))
            page.screenshot(path=SHOTS / "mail-02-card-1366.png", full_page=True)
            panel = page.inner_text("#panel-mail")
            timeline = page.inner_text("#timeline")
            desktop.close()

            sent = DealEmail.objects.get(direction="out")
            mailbox = Mailbox.objects.create(name="Продажи", host="127.0.0.1", username="sales")
            raw = REPLY.format(to=services.reply_address(deal), in_reply_to=sent.message_id)
            message, _ = services.incoming_store(
                mailbox=mailbox, uidvalidity=1, uid=1, raw=raw.encode()
            )
            services.incoming_process(message_id=message.pk)
            received = DealEmail.objects.get(direction="in")

            phone = browser.new_context(locale="ru-RU", viewport={"width": 360, "height": 740})
            page = phone.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", "manager_a")
            page.fill("input[name=password]", "manager_a")
            page.click("form button")
            page.wait_for_url(lambda url: "/login/" not in url)
            page.goto(f"{live_server.url}/deals/{deal.pk}/mail/{received.pk}/")
            page.screenshot(path=SHOTS / "mail-03-reply-360.png", full_page=True)
            reply_text = page.inner_text("article")
            reply_width = page.evaluate("document.documentElement.scrollWidth")
            page.goto(f"{live_server.url}{deal.get_absolute_url()}#panel-mail")
            page.screenshot(path=SHOTS / "mail-04-card-360.png", full_page=True)
            phone_timeline = page.inner_text("#timeline")
            card_width = page.evaluate("document.documentElement.scrollWidth")
            phone.close()
        finally:
            browser.close()
            connections.close_all()
    assert "Смета по сайту" in panel and "исходящее" in panel
    assert "Смета готова, посмотрите" in timeline and "С уважением" in timeline
    assert sent.body_html.startswith("<p>Добрый день! Смета готова")
    assert "всё устраивает" in reply_text and "Старое письмо" not in reply_text
    assert "всё устраивает" in phone_timeline and "Старое письмо" not in phone_timeline
    assert "Позиция Сумма" in phone_timeline
    assert reply_width <= 360, reply_width
    assert card_width <= 360, card_width
    assert errors == []
