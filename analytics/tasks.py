from celery import shared_task

from . import monthly


@shared_task
def send_funnel_monthly():
    """On the 1st of the month: last month's funnel to the head of sales."""
    return monthly.funnel_monthly_send()
