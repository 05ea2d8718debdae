"""Client pages under /p/: the one way a document is shown to a client by its link.

@public_view
def invoice_public(request, token):
    invoice = get_by_token_or_404(Invoice.objects.select_related("deal"), token)
    if request.method == "GET":
        document_links.document_opened(document=invoice, request=request)
    ...
"""

import ipaddress
import re
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import PublicLink, token_digest

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")

PUBLIC_HEADERS = {
    # The token is in the URL: it must not leak to other sites, search engines or caches.
    # "same-origin" sends no referrer to any other site. "no-referrer" would also strip it
    # from the page's own forms, and browsers then post them with `Origin: null`, which the
    # CSRF check refuses: the client could not submit a single form.
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, for the rate limits, the login lockout (AXES_CLIENT_IP_CALLABLE)
    and the documents a client accepts: REMOTE_ADDR, or behind a proxy the header it sets
    (CLIENT_IP_HEADER). Only a well-formed address is taken; empty when there is none."""
    candidates = [request.META.get("REMOTE_ADDR", "")]
    header = settings.CLIENT_IP_HEADER
    if header:
        candidates.insert(0, request.headers.get(header, "").split(",")[0].strip())
    for value in candidates:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return ""


def rate_limited(key: str, limit: int) -> bool:
    """A fixed one-minute window per key in the shared cache."""
    cache_key = f"rate:{key}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        # One round trip: the window is opened (if it is not) and counted in one transaction.
        name = backend.make_and_validate_key(cache_key)
        client = backend._cache.get_client(name, write=True)
        with client.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=60, nx=True)
            pipe.incr(name)
            count = pipe.execute()[1]
        return count > limit
    cache.add(cache_key, 0, timeout=60)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=60)
        count = 1
    return count > limit


def rate_reached(key: str, limit: int) -> bool:
    """Whether the key's window already holds `limit` hits, without adding one: for limits
    that count only what succeeded (count it afterwards with `rate_limited`)."""
    return (cache.get(f"rate:{key}") or 0) >= limit


def not_found(request: HttpRequest) -> HttpResponse:
    """The same plain page for a wrong, revoked or expired link: no hint which."""
    return HttpResponse(render_to_string("404.html", request=request), status=404)


def public_view(view):
    """Decorator for every client page: no login, no referrer, not indexed, not cached,
    rate limited per IP (429), and any Http404 answered with the one plain 404 page."""

    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if rate_limited(f"public:{client_ip(request)}", settings.PUBLIC_RATE_PER_MINUTE):
            response = HttpResponse(render_to_string("429.html", request=request), status=429)
            response["Retry-After"] = "60"
        else:
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = not_found(request)
        for name, value in PUBLIC_HEADERS.items():
            response[name] = value
        return response

    return wrapper


def get_by_token_or_404(queryset, token: str):
    """The document with this link token, if the link is neither revoked nor expired;
    otherwise Http404, the same for every case."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        raise Http404
    try:
        obj = queryset.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
            token_digest=token_digest(token),
            revoked_at__isnull=True,
        ).get()
    except queryset.model.DoesNotExist:
        raise Http404 from None
    if not constant_time_compare(obj.token, token):
        raise Http404
    return obj


def record_open(obj: PublicLink, request: HttpRequest) -> bool:
    """Count one open of the document by the client and tell whether it was the first.
    A logged-in staff user previewing the link is not the client and is not counted.
    Both updates are single conditional UPDATEs, so under concurrent opens exactly one
    request sees `True`; call it inside the transaction that records the consequences."""
    if request.user.is_authenticated:
        return False
    now = timezone.now()
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    rows.update(open_count=F("open_count") + 1, last_opened_at=now)
    first = rows.filter(first_opened_at__isnull=True).update(first_opened_at=now) == 1
    obj.open_count += 1
    obj.last_opened_at = now
    if first:
        obj.first_opened_at = now
    return first
