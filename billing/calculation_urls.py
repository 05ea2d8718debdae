"""The calculator, nested under its deal: /deals/<pk>/calculations/…"""

from django.urls import path

from . import views

app_name = "calculations"

urlpatterns = [
    path("deals/<int:pk>/calculations/new/", views.calculation_create, name="create"),
    path("deals/<int:pk>/calculations/preview/", views.calculation_preview, name="preview"),
    path("deals/<int:pk>/calculations/line/", views.calculation_line, name="line"),
    path("deals/<int:pk>/calculations/catalog/", views.calculation_catalog, name="catalog"),
    path("deals/<int:pk>/calculations/<int:calc_pk>/", views.calculation_detail, name="detail"),
    path(
        "deals/<int:pk>/calculations/<int:calc_pk>/current/",
        views.calculation_make_current,
        name="make_current",
    ),
]
