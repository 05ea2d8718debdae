from django import template

from contacts.phones import format_phone
from crm import formats

register = template.Library()


@register.filter
def money(value):
    return formats.money(value)


@register.filter
def phone(value):
    return format_phone(value) if value else ""


@register.filter
def date_long(value):
    return formats.date_long(value) if value else ""
