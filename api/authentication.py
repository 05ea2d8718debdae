"""Who is calling: a personal key (Authorization: Bearer <key>, made on «Мой профиль») or,
from the browser, the session with its CSRF token."""

from rest_framework import authentication, exceptions

from crm.api_tokens import api_token_find

INVALID_KEY = "Ключ API неверен или отозван. Создайте новый на странице «Мой профиль»."


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(INVALID_KEY)
        token = api_token_find(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID_KEY)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser (the documentation page's «Try it out»), CSRF checked."""
