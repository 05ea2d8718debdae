"""Requests a minute per key: the same fixed window in the shared cache as the client pages
and the intake (crm.public.rate_limited)."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from crm.models import ApiToken
from crm.public import client_ip, rate_limited

WINDOW_SECONDS = 60


class ApiRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        if isinstance(request.auth, ApiToken):
            key = f"api-token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            key = f"api-user:{request.user.pk}"
        else:
            key = f"api-ip:{client_ip(request._request)}"
        return not rate_limited(key, settings.API_RATE_PER_MINUTE)

    def wait(self):
        return WINDOW_SECONDS
