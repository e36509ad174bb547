from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reports.views import HomeView, ReportIndexView

from . import views
from .login_throttle import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm
from .media import media_file

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("reports/", ReportIndexView.as_view(), name="reports"),
    path("reports/", include("reports.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # Browsers ask for /favicon.ico on their own (pages link the SVG): never a 404.
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("jobs/<int:pk>/retry/", views.BulkJobRetryView.as_view(), name="job-retry"),
    path("setup/", include("setup.urls")),
    path("setup/external-crm/", include("sync.urls")),
    path("contacts/", include("contacts.urls")),
    path("interactions/", include("interactions.urls")),
    path("segments/", include("segments.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("api/", include("api.urls")),
    path("maillog/", include("maillog.urls")),
    path("history/", include("crm.history_urls")),
    path("admin/", admin.site.urls),
]

# Uploaded files, in every environment: only to users who may view the owning record.
urlpatterns += [path(settings.MEDIA_URL.lstrip("/") + "<path:path>", media_file, name="media")]
