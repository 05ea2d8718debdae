"""Stands in for the sandbox payment page until the invoices bring the real view."""

from django.http import HttpResponse
from django.urls import include, path

sandbox_patterns = (
    [
        path(
            "pay/sandbox/<str:payment_id>/",
            lambda request, payment_id: HttpResponse(),
            name="sandbox_payment",
        )
    ],
    "billing",
)

urlpatterns = [path("billing/", include(sandbox_patterns))]
