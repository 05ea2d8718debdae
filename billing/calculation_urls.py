"""The calculator, nested under its deal: /deals/<pk>/calculations/…"""

from django.urls import path

from . import views

app_name = "calculations"

urlpatterns = [
    path("new/", views.calculation_create, name="create"),
    path("preview/", views.calculation_preview, name="preview"),
    path("line/", views.calculation_line, name="line"),
    path("catalog/", views.calculation_catalog, name="catalog"),
    path("<int:calc_pk>/", views.calculation_detail, name="detail"),
    path("<int:calc_pk>/current/", views.calculation_make_current, name="make_current"),
]
