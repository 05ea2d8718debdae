from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("catalog/", views.catalog_list, name="catalog"),
    path("catalog/new/", views.catalog_item_create, name="catalog_create"),
    path("catalog/<int:item_pk>/edit/", views.catalog_item_edit, name="catalog_edit"),
    path("catalog/groups/new/", views.catalog_group_create, name="group_create"),
    path("catalog/groups/<int:group_pk>/edit/", views.catalog_group_edit, name="group_edit"),
]
