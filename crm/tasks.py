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


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OSError,), max_retries=3)
def render_document_pdf(app_label: str, model_name: str, pk: int) -> None:
    """Render and store the PDF of a client document (any model inheriting StoredPdf)."""
    from django.apps import apps

    from .pdf import pdf_store

    model = apps.get_model(app_label, model_name)
    document = model.objects.filter(pk=pk).first()
    if document is not None:
        pdf_store(document)


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def send_webhook(self, delivery_id: int) -> None:
    """Post one stored webhook delivery; safe to run twice (the row is claimed first)."""
    from . import webhooks

    try:
        webhooks.webhook_send(delivery_id=delivery_id)
    except webhooks.RetryLater as exc:
        if self.request.is_eager:
            # In-process mode has no delayed retries: the sweeper sends it when it is due.
            return
        raise self.retry(countdown=exc.seconds, exc=exc) from None


@shared_task(ignore_result=True)
def sweep_webhooks() -> int:
    from . import webhooks

    return webhooks.webhook_sweep()
