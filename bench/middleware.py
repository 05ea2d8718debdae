"""Only in bench mode (BENCH_MODE=1): response headers with the number of SQL queries and
the time spent in them."""

import time

from django.db import connections


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0
        spent = 0.0

        def counter(execute, sql, params, many, context):
            nonlocal count, spent
            count += 1
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent += time.perf_counter() - started

        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        response["X-SQL-ms"] = f"{spent * 1000:.2f}"
        return response
