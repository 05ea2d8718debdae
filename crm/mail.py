"""Outgoing e-mail that is never lost and never sent twice.

email_queue() renders an e-mail into an OutgoingEmail row inside the caller's transaction
and publishes crm.tasks.send_email after the commit. Publishing may fail (the broker is
down): the row stays pending and the sweeper (crm.tasks.sweep_emails, on beat) publishes it
again later. email_send() claims the row with a conditional UPDATE, so the task may run
any number of times and the e-mail still goes out once."""

import logging
import random
import smtplib
from datetime import timedelta
from email.header import Header
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from .models import OutgoingEmail, OutgoingEmailAttachment

logger = logging.getLogger(__name__)

# A row claimed longer ago than this belongs to a worker that died mid-send.
SENDING_STALE = timedelta(seconds=settings.EMAIL_SENDING_STALE_SECONDS)
# A fresh row is published on commit; the sweeper leaves it alone for this long.
SWEEP_GRACE = timedelta(seconds=settings.EMAIL_SWEEP_GRACE_SECONDS)
# After the sweeper publishes a row it waits this long before publishing it again.
REQUEUE_AFTER = timedelta(seconds=settings.EMAIL_REQUEUE_SECONDS)
SWEEP_BATCH = 500
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 600  # below the Redis visibility timeout (one hour)


# The headers a caller may set on an e-mail; anything else is the outbox's own business.
EXTRA_HEADERS = ("From", "In-Reply-To", "References")


class RetryLater(Exception):
    """The SMTP server or the network failed; the row is pending again, due in `seconds`."""

    def __init__(self, seconds: int, error: str):
        super().__init__(error)
        self.seconds = seconds


def email_queue(
    *,
    event_key: str,
    to: str,
    template: str,
    context: dict,
    attachments: list[tuple[str, bytes, str]] | tuple = (),
    reply_to: str = "",
    also_to: list[str] | tuple = (),
    headers: dict | None = None,
    message_id: str = "",
) -> OutgoingEmail | None:
    """Store one e-mail to `to` about `event_key`, rendered from
    templates/emails/<template>-subject.txt, -body.txt and -body.html, and send it after the
    caller's transaction commits. Returns None, creating nothing, when this event was already
    e-mailed to this recipient or the address is empty or invalid. `attachments` are
    (filename, content, mimetype); `reply_to` is where the recipient's answer goes (the
    manager, for e-mails to clients). `also_to` are more recipients of the same message;
    `headers` may set From (with a name), In-Reply-To and References; `message_id` is the
    Message-ID the caller keeps to recognise replies (a new one when empty)."""
    to = (to or "").strip().lower()
    if not to:
        return None
    try:
        validate_email(to)
    except ValidationError:
        logger.warning("e-mail %r for %s not queued: invalid address", to, event_key)
        return None
    event_key = event_key[:200]
    if OutgoingEmail.objects.filter(event_key=event_key, recipient=to).exists():
        return None
    context = {
        "site_url": settings.SITE_URL,
        "company_name": getattr(settings, "COMPANY_NAME", "CRM"),
        **context,
    }
    subject = " ".join(render_to_string(f"emails/{template}-subject.txt", context).split())
    body_text = render_to_string(f"emails/{template}-body.txt", context)
    body_html = render_to_string(f"emails/{template}-body.html", context)
    try:
        # A savepoint: a concurrent duplicate must not break the caller's transaction.
        with transaction.atomic():
            email = OutgoingEmail.objects.create(
                event_key=event_key,
                recipient=to,
                reply_to=reply_to or "",
                template=template,
                subject=subject[:255],
                body_text=body_text,
                body_html=body_html,
                message_id=message_id or new_message_id(),
                also_to="\n".join(a.strip().lower() for a in also_to if a.strip()),
                headers={k: v for k, v in (headers or {}).items() if k in EXTRA_HEADERS},
            )
            OutgoingEmailAttachment.objects.bulk_create(
                [
                    OutgoingEmailAttachment(
                        email=email, filename=name, content=content, mimetype=mimetype
                    )
                    for name, content, mimetype in attachments
                ]
            )
    except IntegrityError:
        return None
    transaction.on_commit(partial(publish, email.pk))
    return email


def publish(email_id: int) -> bool:
    """Hand the e-mail to the broker. A broker that is down is logged, not raised: the web
    request that caused the e-mail still succeeds and the sweeper publishes it later."""
    from .tasks import send_email

    try:
        send_email.apply_async(args=[email_id])
    except Exception:
        logger.warning(
            "e-mail %s not published (broker unreachable?); the sweeper will retry",
            email_id,
            exc_info=True,
        )
        return False
    return True


def email_send(*, email_id: int) -> bool:
    """Send one stored e-mail if it is still pending. Returns True when it went out now.
    Raises RetryLater on a temporary SMTP or network failure (the row is pending again with
    its next attempt time); a permanent failure marks the row failed."""
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.PENDING).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    email = OutgoingEmail.objects.prefetch_related("attachments").get(pk=email_id)
    try:
        _message(email).send()
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if _is_permanent(exc) or email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            _mark_failed(email_id, error)
            return False
        delay = retry_delay(email.attempts)
        OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.SENDING).update(
            status=OutgoingEmail.Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=error,
        )
        raise RetryLater(delay, error) from exc
    except Exception as exc:
        logger.exception("e-mail %s cannot be sent", email_id)
        _mark_failed(email_id, f"{type(exc).__name__}: {exc}")
        return False
    OutgoingEmail.objects.filter(pk=email_id).update(
        status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def email_sweep(*, now=None) -> int:
    """Publish again what is stuck unsent: rows left pending (the broker was down, a retry
    was lost) and rows whose worker died mid-send. Returns how many were published."""
    now = now or timezone.now()
    OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING, claimed_at__lt=now - SENDING_STALE
    ).update(
        status=OutgoingEmail.Status.PENDING,
        next_attempt_at=now - SWEEP_GRACE,  # due in this very sweep
        last_error="Отправка прервалась (процесс остановлен), письмо отправится повторно.",
    )
    due = list(
        OutgoingEmail.objects.filter(
            status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now - SWEEP_GRACE
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if not due:
        return 0
    OutgoingEmail.objects.filter(pk__in=due, status=OutgoingEmail.Status.PENDING).update(
        next_attempt_at=now + REQUEUE_AFTER
    )
    published = 0
    for pk in due:
        if not publish(pk):
            break
        published += 1
    return published


def email_resend(*, emails: QuerySet) -> int:
    """Send failed (or stuck pending) e-mails again, from the admin. Returns how many."""
    with transaction.atomic():
        ids = list(
            emails.filter(
                status__in=[OutgoingEmail.Status.FAILED, OutgoingEmail.Status.PENDING]
            ).values_list("pk", flat=True)
        )
        OutgoingEmail.objects.filter(pk__in=ids).update(
            status=OutgoingEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for pk in ids:
            transaction.on_commit(partial(publish, pk))
    return len(ids)


def retry_delay(attempts: int) -> int:
    """1 min, 2, 4, 8, then 10 min, with jitter so that a recovered server is not hit by
    every e-mail in the same second."""
    delay = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return int(delay * random.uniform(0.8, 1.0))


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def _mark_failed(email_id: int, error: str) -> None:
    OutgoingEmail.objects.filter(pk=email_id).update(
        status=OutgoingEmail.Status.FAILED, last_error=error
    )


class _Message(EmailMultiAlternatives):
    def message(self, **kwargs):
        msg = super().message(**kwargs)
        # Python's modern header folder drops the space between two encoded words when a
        # long non-ASCII subject is folded (CPython gh-144156: «анкету«Бриф»). The classic
        # encoder splits inside encoded words, so every space survives.
        if not self.subject.isascii():
            del msg["Subject"]
            msg.set_raw("Subject", Header(self.subject, "utf-8", header_name="Subject").encode())
        return msg


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": email.message_id} if email.message_id else {}
    headers.update(email.headers or {})
    message = _Message(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient, *email.also_to.split()],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers=headers or None,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return message


def mail_domain() -> str:
    """The domain of every Message-ID the CRM writes: a message carrying it came from us."""
    return settings.MAIL_MESSAGE_ID_DOMAIN or urlsplit(settings.SITE_URL).hostname or "localhost"


def new_message_id() -> str:
    return make_msgid(domain=mail_domain())
