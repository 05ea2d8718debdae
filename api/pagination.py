"""Lists come in pages by cursor, the deal list's keyset (deals.pagination): a page deep in
the list costs what the first one does, and rows added meanwhile neither repeat nor vanish.
`next` and `previous` are the addresses of the neighbouring pages."""

import datetime

from django.conf import settings
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from deals.pagination import paginate

DEFAULT_ORDER = (["-pk"], [int])


class KeysetPagination(BasePagination):
    """The view names its order with `keyset(request)` → (fields, kinds), the last field
    the primary key; without it, newest first by id."""

    def paginate_queryset(self, queryset, request, view=None):
        order, kinds = view.keyset(request) if hasattr(view, "keyset") else DEFAULT_ORDER
        self.request = request
        self.page = paginate(
            queryset,
            order=order,
            kinds=kinds,
            after=request.query_params.get("after"),
            before=request.query_params.get("before"),
            size=self.page_size(request),
        )
        return self.page.rows

    @staticmethod
    def page_size(request) -> int:
        raw = request.query_params.get("page_size", "")
        if raw.isdigit() and int(raw) > 0:
            return min(int(raw), settings.API_MAX_PAGE_SIZE)
        return settings.API_PAGE_SIZE

    def _link(self, param: str, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(remove_query_param(url, "after"), "before")
        return replace_query_param(url, param, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link("after", self.page.next_cursor),
                "previous": self._link("before", self.page.prev_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        cursor = "Курсор из ссылки next или previous предыдущей страницы."
        return [
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": cursor,
                "schema": {"type": "string"},
            },
            {
                "name": "before",
                "in": "query",
                "required": False,
                "description": cursor,
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": f"Строк на странице, до {settings.API_MAX_PAGE_SIZE}.",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


NEWEST = (["-created_at", "-pk"], [datetime.datetime, int])
