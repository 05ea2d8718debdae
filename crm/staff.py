"""What the staff pages share (the client pages have crm.public): the decorator of the head
of sales' pages and the safe return address of a form."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

HEAD_ONLY = "Это может только руководитель отдела продаж."


def require_head(request: HttpRequest) -> None:
    """Only the head of sales goes on. Anyone else gets 403 and the one «Нет доступа» page
    (templates/403.html), not 404: the page exists and the menu already hides it from them,
    they only lack the role, and the page says so. On an object's page, call it after the
    object's own access check, so that another manager's object still answers 404."""
    if not request.user.is_head:
        raise PermissionDenied(HEAD_ONLY)


def head_required(view):
    """require_head() before the view: for pages that belong to no one's object."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_head(request)
        return view(request, *args, **kwargs)

    return wrapper


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` a form came with when it points into this site; otherwise `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
