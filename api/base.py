"""What every endpoint of the API shares: the error shape in the schema, the body form, the
object fetched through the apps' own access rules."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, viewsets

from . import idempotency

ErrorSerializer = inline_serializer(
    "Errors",
    {
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Поле → сообщения; ошибки не о поле — под «__all__».",
        )
    },
)

READ_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, "Нет ключа API или он отозван."),
    404: OpenApiResponse(ErrorSerializer, "Объекта нет или он вам не виден."),
    429: OpenApiResponse(ErrorSerializer, "Слишком много запросов с этим ключом."),
}
LIST_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, "Неверный фильтр."),
    401: READ_ERRORS[401],
    429: READ_ERRORS[429],
}
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, "Ошибки в данных: сообщения у полей."),
    **READ_ERRORS,
    403: OpenApiResponse(ErrorSerializer, "Видно, но менять нельзя: сказано почему."),
    422: OpenApiResponse(ErrorSerializer, "Idempotency-Key уже использован с другим запросом."),
}

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    idempotency.HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=idempotency.describe()["description"],
)


def read(serializer) -> dict:
    return {200: serializer, **READ_ERRORS}


def write(serializer, status: int = 200) -> dict:
    return {status: serializer, **WRITE_ERRORS}


class ApiViewSet(viewsets.GenericViewSet):
    """Lists, details and actions; the queryset is always the user's visible rows."""

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "personal": lambda obj: False}
