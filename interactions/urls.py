from django.urls import path
from django.utils.translation import gettext_lazy as _

from crm.views import area_placeholder

app_name = "interactions"

urlpatterns = [
    path(
        "",
        area_placeholder(
            _("Interactions"),
            _(
                "The interaction log, interaction templates and groups, postponed interactions "
                "and bulk logging."
            ),
        ),
        name="index",
    ),
]
