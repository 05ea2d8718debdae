import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from crm.mail import email_queue, email_send

ROOT = Path(__file__).resolve().parents[2]

SEND = """
import django
django.setup()
from django.core.mail import send_mail
send_mail("Счёт № 7 оплачен — сделка «Сайт»", "Здравствуйте, Анна!\\nКлиент оплатил счёт.", None,
          ["anna@example.ru"])
"""


@pytest.mark.parametrize("email_url", [None, "consolemail://"])
def test_the_console_prints_a_cyrillic_message_as_text(email_url):
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings"
    if email_url:
        env["EMAIL_URL"] = email_url
    result = subprocess.run(
        [sys.executable, "-c", SEND],
        cwd=ROOT,
        env=env,
        capture_output=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "От: CRM <crm@localhost>" in out
    assert "Кому: anna@example.ru" in out
    assert "Тема: Счёт № 7 оплачен — сделка «Сайт»" in out
    assert "Здравствуйте, Анна!\nКлиент оплатил счёт." in out
    assert "base64" not in out and "=?utf-8?" not in out


def test_an_outgoing_email_shows_its_long_subject_whole_and_its_attachment(db, settings, capsys):
    settings.MAILERS = {"default": {"BACKEND": "crm.console_mail.EmailBackend"}}
    title = "анкету «Бриф на разработку сайта для стоматологической клиники в Подольске»"
    email = email_queue(
        event_key="opened:7",
        to="anna@example.ru",
        template="client_opened",
        context={
            "deal": {"pk": 7, "title": "Сайт"},
            "manager": "Анна",
            "title": title,
            "opened_at": timezone.now(),
            "deal_url": "/deals/7/",
        },
        attachments=[("счёт № 7.pdf", b"%PDF-1.7\n" + b"0" * 2038, "application/pdf")],
        reply_to="manager@example.ru",
    )
    assert email_send(email_id=email.pk)
    out = capsys.readouterr().out
    # The subject is folded into several encoded words in the message; it reads as one line.
    assert f"Тема: Клиент открыл {title} — сделка №7\n" in out
    assert "Ответ на: manager@example.ru" in out
    assert f"Клиент открыл {title} по сделке №7 «Сайт»" in out
    # The HTML alternative is the same letter, not an attachment.
    assert out.count("Вложение:") == 1
    assert "Вложение: счёт № 7.pdf (application/pdf, 2,0 КБ)" in out
    assert "<p>" not in out
