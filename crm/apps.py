from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_role_permissions_on_migrate

        post_migrate.connect(sync_role_permissions_on_migrate, dispatch_uid="crm-roles")

        from .auth_backends import watch_permission_changes
        from .caching import connect_invalidation

        watch_permission_changes()
        connect_invalidation()
