"""Every error of the API in one shape, {"errors": {field: [messages]}}, in Russian. Errors
that belong to no field are under "__all__", as in Django forms."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

ALL = "__all__"

MESSAGES = {
    exceptions.NotAuthenticated: "Нужна авторизация: передайте ключ API в заголовке "
    "Authorization: Bearer <ключ> (ключ создаётся на странице «Мой профиль»).",
    exceptions.NotFound: "Не найдено: объекта нет или он вам не виден.",
    exceptions.Throttled: "Слишком много запросов с этим ключом. Повторите через минуту.",
    exceptions.UnsupportedMediaType: "Тело запроса — JSON: укажите Content-Type: application/json.",
    exceptions.ParseError: "Тело запроса — не JSON или JSON с ошибкой.",
    exceptions.NotAcceptable: "Ответ может быть только в JSON.",
}


def error_response(status_code: int, errors: dict, headers: dict | None = None) -> Response:
    return Response({"errors": errors}, status=status_code, headers=headers)


def _as_lists(detail) -> dict:
    """DRF's nested detail → {field: [messages]}; nested fields are joined with a dot."""
    if isinstance(detail, dict):
        out = {}
        for field, value in detail.items():
            inner = _as_lists(value)
            if isinstance(value, dict):
                out.update({f"{field}.{k}": v for k, v in inner.items()})
            else:
                out[field] = inner[ALL]
        return out
    if isinstance(detail, list):
        messages = []
        for item in detail:
            messages += _as_lists(item)[ALL] if not isinstance(item, dict) else [str(item)]
        return {ALL: messages}
    return {ALL: [str(detail)]}


def django_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            (field if field != "__all__" else ALL): messages
            for field, messages in exc.message_dict.items()
        }
    return {ALL: list(exc.messages)}


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        message = str(exc) or "Недостаточно прав."
        return error_response(status.HTTP_403_FORBIDDEN, {ALL: [message]})
    elif isinstance(exc, DjangoValidationError):
        return error_response(status.HTTP_400_BAD_REQUEST, django_errors(exc))
    if not isinstance(exc, exceptions.APIException):
        return None
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    message = MESSAGES.get(type(exc))
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_lists(exc.detail)
    elif message:
        errors = {ALL: [message]}
    elif isinstance(exc, exceptions.MethodNotAllowed):
        errors = {ALL: [f"Метод {context['request'].method} здесь не принимается."]}
    else:
        errors = _as_lists(exc.detail)
    return error_response(exc.status_code, errors, headers)
