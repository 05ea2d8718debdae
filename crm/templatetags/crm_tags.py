from django import template

from crm import formats, phones

register = template.Library()


@register.filter
def money(value):
    return formats.money(value)


@register.filter
def nobreak(value):
    """A unit of measure («усл. ед») or another short phrase kept on one line."""
    return formats.nobreak(value) if value not in (None, "") else ""


@register.filter
def date_long(value):
    return formats.date_long(value) if value else ""


@register.filter
def duration_words(value):
    """A timedelta in Russian words, as after «через»: «15 минут», «1 час 30 минут»."""
    return formats.duration_words(value) if value is not None else ""


@register.filter
def phone(value):
    """+79161234567 → «+7 916 123-45-67»; anything else as it was typed."""
    return phones.format_phone(value) if value else ""
