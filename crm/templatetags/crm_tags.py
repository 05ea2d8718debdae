from django import template

from crm import formats, notifications, phones

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


@register.inclusion_tag("includes/_notification_bell.html", takes_context=True)
def notification_bell(context):
    """The bell with the person's unread count: one indexed query per page."""
    return notifications.bell(context["request"].user)


@register.simple_tag
def admin_count(cl) -> str:
    """The admin list's «3 клиента» (crm.admin.ModelAdmin.count_words)."""
    if hasattr(cl.model_admin, "count_words"):
        return cl.model_admin.count_words(cl.result_count)
    return f"{cl.result_count} {cl.opts.verbose_name_plural}"
