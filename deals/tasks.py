from celery import shared_task

from . import digest


@shared_task
def send_morning_digests():
    return digest.send_morning_digests()
