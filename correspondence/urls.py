from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("deals/<int:pk>/mail/new/", views.email_compose, name="compose"),
    path("deals/<int:pk>/mail/<int:email_pk>/", views.email_detail, name="detail"),
]
