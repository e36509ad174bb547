"""Django's ModelBackend with the user's permission sets kept in the cache between requests.

Every page checks permissions (the view's own and the navigation's), and the stock backend
loads them with two queries per request. Here they are cached per user under the "perms"
version, which is bumped by any change to users, groups, permissions or their links, so a
revoked permission stops working on the next request (see ``crm.caching``).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from . import caching

NAMESPACE = "perms"


def watch_permission_changes() -> None:
    user_model = get_user_model()
    caching.invalidate_on_change(
        NAMESPACE,
        user_model,
        Group,
        Permission,
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    )


class CachedModelBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        attribute = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, attribute):
            perms = caching.cached(
                NAMESPACE,
                f"{from_name}:{user_obj.pk}",
                lambda: super(CachedModelBackend, self)._get_permissions(user_obj, obj, from_name),
            )
            setattr(user_obj, attribute, perms)
        return getattr(user_obj, attribute)
