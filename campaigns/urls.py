from django.urls import path
from django.utils.translation import gettext_lazy as _

from crm.views import area_placeholder

app_name = "campaigns"

urlpatterns = [
    path(
        "",
        area_placeholder(
            _("Campaigns"),
            _("Campaigns with status, segments, entries, statistics and special prices."),
        ),
        name="index",
    ),
]
