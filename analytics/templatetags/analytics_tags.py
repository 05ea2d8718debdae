from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from crm.formats import money

register = template.Library()

MINUS = "\u2212"


def _number(value, kind: str) -> str:
    if kind == "money":
        return money(value)
    if kind in ("pct", "pp", "days"):
        return str(value).replace(".", ",")
    return str(value)


@register.filter
def pct(value) -> str:
    """42.5 → «42,5 %»; nothing to divide by → «—»."""
    if value is None:
        return "—"
    return f"{_number(value, 'pct')}\u00a0%"


@register.filter
def days(value) -> str:
    return "—" if value is None else _number(value, "days")


@register.simple_tag
def delta(value, kind: str = "count", inverse: bool = False):
    """A change against the previous period: ▲ +3, ▼ −2, = 0; green when it is good news
    (for losses, with ``inverse``, a fall is good news)."""
    if value is None:
        return ""
    suffix = {"pp": "\u00a0п.\u00a0п.", "money": "\u00a0₽"}.get(kind, "")
    if value == 0:
        return format_html('<span class="delta text-muted">= 0{}</span>', suffix)
    good = (value > 0) != bool(inverse)
    return format_html(
        '<span class="delta {}" title="к прошлому периоду">{} {}{}{}</span>',
        "text-success" if good else "text-danger",
        "▲" if value > 0 else "▼",
        "+" if value > 0 else MINUS,
        _number(abs(value), kind),
        suffix,
    )


@register.simple_tag(takes_context=True)
def drill(context, value, basis, metric, stage="", reason="", manager="", kind="count"):
    """A figure of the report as a link to the list of exactly those deals (plain text in
    the PDF; a zero is not a link)."""
    text = _number(value, kind)
    if context.get("pdf") or not value:
        return format_html('<span class="{}">{}</span>', "" if value else "text-muted", text)
    params = {"basis": basis, "metric": metric}
    if stage != "":
        params["stage"] = "none" if stage is None else stage
    if reason != "":
        params["reason"] = "none" if reason is None else reason
    query = context.get("query_all_managers" if manager else "query", "")
    if manager:
        params["manager"] = manager
    url = f"{reverse('analytics:funnel_deals')}?{query}{'&' if query else ''}{urlencode(params)}"
    return format_html('<a href="{}" class="drill">{}</a>', url, text)
