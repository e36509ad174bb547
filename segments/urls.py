from django.urls import path
from django.utils.translation import gettext_lazy as _

from crm.views import area_placeholder

app_name = "segments"

urlpatterns = [
    path(
        "",
        area_placeholder(
            _("Segments"),
            _(
                "Contact lists built with add, reduce and refine criteria, undo, saved criteria "
                "and logging to interactions."
            ),
        ),
        name="index",
    ),
]
