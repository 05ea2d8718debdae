from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import views, webhook_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="deals:list"), name="home"),
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
    path("profile/", views.profile, name="profile"),
    path("search/", views.search_page, name="search"),
    path("profile/api-tokens/", views.api_token_create, name="api_token_create"),
    path(
        "profile/api-tokens/<int:token_pk>/revoke/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("admin/", admin.site.urls),
]

notification_patterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.notification_bell, name="bell"),
    path("settings/", views.notification_settings, name="settings"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("<int:notification_pk>/", views.notification_open, name="open"),
    path("<int:notification_pk>/read/", views.notification_read, name="read"),
]
urlpatterns += [path("notifications/", include((notification_patterns, "notifications")))]

webhook_patterns = [
    path("", webhook_views.webhook_list, name="list"),
    path("new/", webhook_views.webhook_create, name="create"),
    path("<int:webhook_pk>/", webhook_views.webhook_detail, name="detail"),
    path("<int:webhook_pk>/edit/", webhook_views.webhook_edit, name="edit"),
    path("<int:webhook_pk>/toggle/", webhook_views.webhook_toggle, name="toggle"),
    path(
        "<int:webhook_pk>/deliveries/<int:delivery_pk>/resend/",
        webhook_views.webhook_resend,
        name="resend",
    ),
]
urlpatterns += [path("webhooks/", include((webhook_patterns, "webhooks")))]

# Every app's urls.py spells its paths in full under its own namespace: pages nest under the
# object they belong to (an invoice at deals/<pk>/invoices/…, a client page under /p/), so
# no app owns a single prefix.
urlpatterns += [
    path("", include("deals.urls")),
    path("", include("deals.clients.urls")),
    path("", include("billing.urls")),
    path("", include("billing.calculation_urls")),
    path("", include("documents.urls")),
    path("", include("correspondence.urls")),
    path("", include("analytics.urls")),
    path("", include("api.urls")),
    # The storage's url() points here, wherever the files live; never served by the proxy.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", views.media_file, name="media"),
]

if settings.BENCH_MODE:
    urlpatterns += [path("", include("bench.urls"))]
