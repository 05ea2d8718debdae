from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from deals import views as deal_views

from . import views

urlpatterns = [
    path("", deal_views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("api/leads/", deal_views.lead_intake, name="lead_intake"),
    path("deals/", include("deals.urls")),
    path("deals/<int:pk>/calculations/", include("billing.calculation_urls")),
    path("clients/", include("deals.client_urls")),
    path("", include("billing.urls")),
    path("", include("documents.urls")),
    path("reports/", include("analytics.urls")),
    # The storage's url() points here, wherever the files live; never served by the proxy.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", views.media_file, name="media"),
]

if settings.BENCH_MODE:
    from django.contrib.auth.decorators import login_not_required

    from . import bench

    urlpatterns += [path("bench/hello/", login_not_required(bench.hello))]
