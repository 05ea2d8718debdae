from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("bench/hello/", views.hello, name="hello"),
]
