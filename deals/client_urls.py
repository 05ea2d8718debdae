from django.urls import path

from . import client_views

app_name = "clients"

urlpatterns = [
    path("", client_views.client_list, name="list"),
    path("new/", client_views.client_create, name="create"),
    path("genitive/", client_views.genitive, name="genitive"),
    path("seller/", client_views.seller_edit, name="seller"),
    path("<int:pk>/", client_views.client_detail, name="detail"),
    path("<int:pk>/edit/", client_views.client_edit, name="edit"),
]

# The client panel of the deal card, included by deals.urls under deals/<pk>/client/.
deal_urlpatterns = [
    path("search/", client_views.deal_client_search, name="client_search"),
    path("set/", client_views.deal_client_set, name="client_set"),
    path("new/", client_views.deal_client_create, name="client_create"),
    path("unlink/", client_views.deal_client_unlink, name="client_unlink"),
]
