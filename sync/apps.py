from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("External CRM sync")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (event sync, local deletions, inactivity wake-up)
        from .extensions import register

        register()  # list columns, filters, card panels and admin actions (crm.extensions)
