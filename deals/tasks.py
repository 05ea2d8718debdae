from celery import shared_task

from . import digest, reminders


@shared_task
def send_morning_digests():
    return digest.send_morning_digests()


@shared_task(ignore_result=True)
def send_task_reminders():
    return reminders.send_task_reminders()
