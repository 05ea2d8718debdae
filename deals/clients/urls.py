from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("clients/", views.client_list, name="list"),
    path("clients/new/", views.client_create, name="create"),
    path("clients/genitive/", views.genitive, name="genitive"),
    path("clients/bank/", views.bank_by_bik, name="bank"),
    path("clients/party/", views.party_by_inn, name="party"),
    path("clients/seller/", views.seller_edit, name="seller"),
    path("clients/<int:pk>/", views.client_detail, name="detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="edit"),
]

# The client panel of the deal card: deals.urls lists these under its own namespace
# (deals:client_search, …).
deal_urlpatterns = [
    path("deals/<int:pk>/client/search/", views.deal_client_search, name="client_search"),
    path("deals/<int:pk>/client/set/", views.deal_client_set, name="client_set"),
    path("deals/<int:pk>/client/new/", views.deal_client_create, name="client_create"),
    path("deals/<int:pk>/client/unlink/", views.deal_client_unlink, name="client_unlink"),
]
