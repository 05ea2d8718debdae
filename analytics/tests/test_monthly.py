import datetime

from django.conf import settings
from django.core import mail
from django.db import transaction

from analytics.monthly import funnel_monthly_send
from analytics.tasks import send_funnel_monthly
from crm.models import OutgoingEmail
from crm.testing import pdf_text

APRIL_1 = datetime.date(2025, 4, 1)


def test_the_head_gets_last_months_figures_and_the_pdf(
    history, head, manager_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert funnel_monthly_send(today=APRIL_1) == 1
    assert len(mail.outbox) == 1  # managers get nothing
    message = mail.outbox[0]
    assert message.to == ["head@example.ru"]
    assert message.subject == "Воронка продаж за март 2025: выиграно 4, проиграно 4"
    body = message.body
    assert "создано сделок: 9 (1)" in body
    assert "выиграно: 4 на 1\u00a0450\u00a0000,00 ₽ (0 на 0,00 ₽)" in body
    assert "конверсия созданных в успех: 22,2\u00a0%" in body
    assert "- Дорого: 2 на 500\u00a0000,00 ₽" in body
    assert "/reports/funnel/?month=2025-03" in body
    html = message.alternatives[0].content
    assert "<b>1\u00a0450\u00a0000,00&nbsp;₽</b>" in html
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("voronka-2025-03.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Воронка продаж: Март 2025" in text


def test_it_is_sent_once_a_month_per_head(history, head, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_funnel_monthly.delay()
        send_funnel_monthly.delay()
    assert OutgoingEmail.objects.filter(recipient="head@example.ru").count() == 1
    assert funnel_monthly_send(today=APRIL_1) == 1  # another month, another e-mail
    assert funnel_monthly_send(today=APRIL_1) == 0
    keys = set(OutgoingEmail.objects.values_list("event_key", flat=True))
    assert "funnel-monthly:2025-03" in keys


def test_no_head_no_report(history, manager_a):
    assert funnel_monthly_send(today=APRIL_1) == 0
    assert not OutgoingEmail.objects.exists()


def test_beat_sends_it_on_the_first_of_the_month():
    entry = settings.CELERY_BEAT_SCHEDULE["funnel-monthly"]
    assert entry["task"] == "analytics.tasks.send_funnel_monthly"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1}
    assert schedule.hour == {7} and schedule.minute == {0}
