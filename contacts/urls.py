from django.urls import path
from django.utils.translation import gettext_lazy as _

from crm.views import area_placeholder

app_name = "contacts"

urlpatterns = [
    path(
        "",
        area_placeholder(
            _("Contacts"),
            _(
                "Companies and persons: list with filters and search, contact cards, "
                "duplicates and merge, CSV import and export."
            ),
        ),
        name="contact-list",
    ),
    path(
        "profiles/",
        area_placeholder(
            _("Profiles"),
            _("Profile questionnaires, manual answers and automatic classification."),
        ),
        name="profile-index",
    ),
]
