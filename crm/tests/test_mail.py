import smtplib
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crm.mail import SENDING_STALE, RetryLater, email_queue, email_send, email_sweep
from crm.models import OutgoingEmail
from crm.tasks import send_email

CONTEXT = {
    "deal": {"pk": 7, "title": "Сайт"},
    "manager": "Анна",
    "title": "анкету «Бриф»",
    "opened_at": timezone.now(),
    "deal_url": "/deals/7/",
}


class FlakyBackend(BaseEmailBackend):
    """Fails with `error` for the first `failures` sends, then delivers to the outbox."""

    failures = 0
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise FlakyBackend.error
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky(settings):
    settings.MAILERS = {"default": {"BACKEND": "crm.tests.test_mail.FlakyBackend"}}
    FlakyBackend.calls = 0
    FlakyBackend.failures = 0
    FlakyBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    return FlakyBackend


def queue(event_key="opened:1", to="manager@example.ru", **kwargs):
    return email_queue(
        event_key=event_key, to=to, template="client_opened", context=CONTEXT, **kwargs
    )


def test_it_renders_the_three_templates_into_one_row(db):
    email = queue()
    assert email.status == OutgoingEmail.Status.PENDING
    assert email.subject == "Клиент открыл анкету «Бриф» — сделка №7"
    assert "Клиент открыл анкету «Бриф» по сделке №7 «Сайт»" in email.body_text
    assert "&laquo;" not in email.body_text and "&quot;" not in email.subject
    assert '<a href="http://127.0.0.1:8000/deals/7/">' in email.body_html


def test_a_second_notification_for_the_same_event_and_person_is_not_created(db):
    assert queue() is not None
    assert queue(to=" Manager@Example.ru ") is None
    assert queue(to="head@example.ru") is not None
    assert OutgoingEmail.objects.count() == 2


def test_a_racing_duplicate_is_refused_by_the_database_without_breaking_the_caller(
    db, manager_a, monkeypatch
):
    queue()
    # Two requests passed the existence check at the same moment: the unique rule decides.
    monkeypatch.setattr(
        "crm.mail.OutgoingEmail.objects.filter", lambda **kw: OutgoingEmail.objects.none()
    )
    with transaction.atomic():
        assert queue() is None
        manager_a.first_name = "Алла"
        manager_a.save()
    manager_a.refresh_from_db()
    assert manager_a.first_name == "Алла"
    assert OutgoingEmail.objects.count() == 1


def test_empty_or_invalid_addresses_queue_nothing(db):
    assert queue(to="") is None
    assert queue(to="не адрес") is None
    assert not OutgoingEmail.objects.exists()


def test_it_is_sent_after_commit_and_exactly_once_when_the_task_runs_twice(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email = queue()
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    send_email.delay(email.pk)
    send_email.apply(args=[email.pk])
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    message = mail.outbox[0]
    assert message.to == ["manager@example.ru"]
    assert message.subject == email.subject
    assert message.alternatives[0].mimetype == "text/html"
    assert message.extra_headers["Message-ID"] == email.message_id


def test_a_rolled_back_change_leaves_no_email(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError
    assert callbacks == []
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


def test_attachments_are_stored_and_sent_again_on_retry(db, flaky):
    flaky.failures = 1
    email = queue(attachments=[("счёт.pdf", b"%PDF-1.7 test", "application/pdf")])
    with pytest.raises(RetryLater):
        email_send(email_id=email.pk)
    assert email_send(email_id=email.pk) is True
    attachment = mail.outbox[0].attachments[0]
    assert attachment.filename == "счёт.pdf"
    assert attachment.content == b"%PDF-1.7 test"
    assert attachment.mimetype == "application/pdf"


def test_an_smtp_failure_puts_it_back_with_a_backoff_and_the_error(db, flaky):
    flaky.failures = 1
    email = queue()
    before = timezone.now()
    send_email.delay(email.pk)  # in-process: no delayed retry, the row waits for the sweeper
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.PENDING
    assert email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error
    assert before + timedelta(seconds=45) <= email.next_attempt_at
    assert email.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    assert mail.outbox == []

    assert email_sweep() == 0  # not due yet
    assert email_sweep(now=email.next_attempt_at + timedelta(minutes=2)) == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 2
    assert len(mail.outbox) == 1


def test_the_worker_retries_with_celery_backoff(db, flaky, monkeypatch):
    flaky.failures = 1
    email = queue()
    retried = {}

    def fake_retry(*, countdown, exc):
        retried["countdown"] = countdown
        return RuntimeError("retry scheduled")

    monkeypatch.setattr(send_email, "retry", fake_retry)
    with pytest.raises(RuntimeError, match="retry scheduled"):
        # Not eager: what a real worker runs.
        send_email.run(email.pk)
    assert 45 <= retried["countdown"] <= 60


def test_a_refused_recipient_fails_at_once_and_can_be_resent_from_the_admin(
    db, flaky, admin_client, django_capture_on_commit_callbacks
):
    flaky.failures = 1
    flaky.error = smtplib.SMTPRecipientsRefused({"x@example.ru": (550, b"No such user")})
    email = queue()
    send_email.delay(email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert "550" in email.last_error

    changelist = reverse("admin:crm_outgoingemail_changelist")
    response = admin_client.get(changelist, {"status__exact": "failed"})
    assert response.status_code == 200
    assert "manager@example.ru" in response.text
    assert "Ошибка" in response.text
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist, {"action": "resend", "_selected_action": [email.pk]}, follow=True
        )
    assert "Поставлено в отправку писем: 1." in response.text
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1


def test_admin_does_not_resend_what_was_sent(db, admin_client):
    email = queue()
    email_send(email_id=email.pk)
    response = admin_client.post(
        reverse("admin:crm_outgoingemail_changelist"),
        {"action": "resend", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "Пропущено уже отправленных или отправляемых: 1." in response.text
    assert len(mail.outbox) == 1


def test_admin_searches_and_shows_an_email(db, admin_client):
    email = queue()
    queue(event_key="opened:2", to="other@example.ru")
    response = admin_client.get(reverse("admin:crm_outgoingemail_changelist"), {"q": "other@"})
    assert "other@example.ru" in response.text
    assert "manager@example.ru" not in response.text
    response = admin_client.get(reverse("admin:crm_outgoingemail_change", args=[email.pk]))
    assert response.status_code == 200
    assert "Клиент открыл анкету" in response.text


def test_it_gives_up_after_the_maximum_attempts(db, flaky, settings):
    settings.EMAIL_MAX_ATTEMPTS = 2
    flaky.failures = 5
    email = queue()
    send_email.delay(email.pk)
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    send_email.delay(email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == 2


def test_the_sweeper_rescues_a_row_whose_worker_died_mid_send(db):
    email = queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING,
        attempts=1,
        claimed_at=timezone.now() - SENDING_STALE - timedelta(minutes=1),
    )
    assert email_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1


def test_the_sweeper_leaves_a_row_being_sent_right_now_alone(db):
    email = queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now()
    )
    assert email_sweep(now=timezone.now() + timedelta(minutes=2)) == 0
    assert mail.outbox == []


def test_the_sweeper_does_not_publish_the_same_row_on_every_run(db, monkeypatch):
    queue()
    published = []
    monkeypatch.setattr("crm.mail.publish", lambda pk: published.append(pk) or True)
    later = timezone.now() + timedelta(minutes=2)
    assert email_sweep(now=later) == 1
    assert email_sweep(now=later + timedelta(minutes=1)) == 0
    assert email_sweep(now=later + timedelta(minutes=7)) == 1
    assert len(published) == 2


def test_send_emails_command_runs_the_sweeper(db):
    import io

    from django.core.management import call_command

    email = queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    out = io.StringIO()
    call_command("send_emails", stdout=out)
    assert "Передано на отправку писем: 1" in out.getvalue()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT


def test_a_broker_that_is_down_neither_fails_nor_hangs_the_request(
    db, celery_broker_down, django_capture_on_commit_callbacks, caplog
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
    assert time.monotonic() - started < 10
    assert "not published" in caplog.text
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.PENDING


def test_a_long_russian_subject_keeps_every_space_on_the_wire(db):
    import email
    import email.policy

    from crm.mail import _message

    subject = "Клиент заполнил анкету «Бриф на разработку сайта» — сделка №18"
    row = queue()
    row.subject = subject
    raw = _message(row).message(policy=email.policy.SMTP).as_bytes()
    assert max(len(line) for line in raw.splitlines()) <= 998
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(parsed["Subject"]) == subject
