from django import template
from django.utils import timezone

register = template.Library()

FORMATS = {"": "%d.%m.%Y %H:%M", "d": "%d.%m.%Y", "t": "%H:%M"}


@register.filter
def dt(value, part: str = "") -> str:
    """A moment as the card writes it, in TIME_ZONE: 05.03.2026 10:00 («d»: the date, «t»:
    the time). strftime of the local time: the card writes hundreds of them, and Django's
    |date formatter costs ten times as much for the same fixed numeric pattern."""
    if not value:
        return ""
    return timezone.localtime(value).strftime(FORMATS[part])
