from django import template

from crm import formats

register = template.Library()


@register.filter
def money(value):
    return formats.money(value)


@register.filter
def date_long(value):
    return formats.date_long(value) if value else ""
