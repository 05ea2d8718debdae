from celery import shared_task

from .services import receipts


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def send_receipt(self, receipt_id: int) -> None:
    """Send one stored 54-ФЗ receipt; safe to run twice (the row is claimed before sending
    and the provider is asked under the row's idempotence key)."""
    try:
        receipts.receipt_send(receipt_id=receipt_id)
    except receipts.RetryLater as exc:
        if self.request.is_eager:
            # In-process mode has no delayed retries: the row waits for the sweeper.
            return
        raise self.retry(countdown=exc.seconds, exc=exc) from None


@shared_task(ignore_result=True)
def sweep_receipts() -> int:
    return receipts.receipt_sweep()
