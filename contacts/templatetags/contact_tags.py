from django import template

from contacts.phones import format_phone

register = template.Library()


@register.filter
def phone(value):
    """+79161234567 → «+7 916 123-45-67»."""
    return format_phone(value) if value else ""
