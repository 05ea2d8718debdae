from django import template

from deals import schedule

register = template.Library()


@register.inclusion_tag("deals/includes/_due_presets.html")
def due_presets(field) -> dict:
    """Buttons under a due field that fill it with a moment counted by the server."""
    return {"field": field, "presets": schedule.PRESETS.items()}
