from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Statistics pages, printable reports and the home dashboard (SPEC 10).

    Sits above campaigns (docs/decisions/0002-reports-app.md): it composes every area's
    selectors and owns no models.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")
