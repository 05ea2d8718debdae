from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("reports/funnel/", views.funnel_report, name="funnel"),
    path("reports/funnel/deals/", views.funnel_deals, name="funnel_deals"),
    path("reports/funnel/report.pdf", views.funnel_pdf, name="funnel_pdf"),
    path(
        "reports/funnel/export/<slug:table>.<slug:fmt>",
        views.funnel_export,
        name="funnel_export",
    ),
]
