from django.urls import path

from . import views

app_name = "setup"

urlpatterns = [
    path("", views.SetupIndexView.as_view(), name="index"),
    path("marketing/", views.MarketingSetupView.as_view(), name="marketing-setup"),
]
