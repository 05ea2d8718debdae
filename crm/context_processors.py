from django.conf import settings

from . import nav


def navigation(request):
    return {
        "nav_items": nav.items_for(request.user) if hasattr(request, "user") else [],
        "company_name": getattr(settings, "COMPANY_NAME", "CRM"),
    }
