from celery import shared_task

from . import mail


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def send_email(self, email_id: int) -> None:
    """Send one stored e-mail; safe to run twice (the row is claimed before sending)."""
    try:
        mail.email_send(email_id=email_id)
    except mail.RetryLater as exc:
        if self.request.is_eager:
            # In-process mode has no delayed retries; the row is pending with its next
            # attempt time and the sweeper (or `manage.py send_emails`) sends it.
            return
        raise self.retry(countdown=exc.seconds, exc=exc) from None


@shared_task(ignore_result=True)
def sweep_emails() -> int:
    return mail.email_sweep()
