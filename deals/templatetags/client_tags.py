from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def client_url(client) -> str:
    """The client's page (clients:detail): deals owns it, so contacts builds no link to it."""
    return reverse("clients:detail", args=[client.pk])
