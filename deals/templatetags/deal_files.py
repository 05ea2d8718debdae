from django import template

from deals import files

register = template.Library()


@register.inclusion_tag(files.PANEL_TEMPLATE, takes_context=True)
def deal_files_panel(context, deal) -> dict:
    """The deal card's «Файлы» section; the upload and delete views answer with the same
    partial for the card's script to put in its place."""
    return {
        **files.panel_context(context["request"].user, deal),
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
