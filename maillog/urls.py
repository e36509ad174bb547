from django.urls import path

from . import views

app_name = "maillog"
urlpatterns = [
    path("setup/", views.EmailLoggingSetupView.as_view(), name="setup"),
    path("setup/test/", views.EmailLoggingTestConnectionView.as_view(), name="setup-test"),
    path("setup/enable/", views.EmailLoggingEnableView.as_view(), name="setup-enable"),
    path("log/", views.EmailLogSyncLogView.as_view(), name="sync-log"),
    path("log/sync/", views.EmailLoggingSyncNowView.as_view(), name="sync-now"),
]
