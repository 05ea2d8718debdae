from django import template
from django.urls import reverse
from django.utils.html import format_html

from contacts import companies

register = template.Library()


@register.filter
def client_url(client) -> str:
    """The client's page (clients:detail): deals owns it, so contacts builds no link to it."""
    return reverse("clients:detail", args=[client.pk])


@register.simple_tag
def autofill_urls() -> str:
    """Attributes of a requisites form for its script: where to ask for the bank of a БИК,
    and for a company by its ИНН when DaData is set up."""
    html = format_html(' data-bank-url="{}"', reverse("clients:bank"))
    if companies.enabled():
        html += format_html(' data-party-url="{}"', reverse("clients:party"))
    return html
