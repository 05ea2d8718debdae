from celery import shared_task

from . import imap


@shared_task(ignore_result=True)
def poll_mailboxes() -> int:
    """Read every active mailbox (beat, every MAIL_POLL_SECONDS); safe to run twice."""
    return imap.poll_all()
