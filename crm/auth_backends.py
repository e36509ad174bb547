"""Django's ModelBackend with the user row and permission sets kept between requests.

Every page loads the session's user and checks permissions (the view's own and the
navigation's); the stock backend costs a query for the user and two for the permission
sets on every request. Here:

* the permission sets are cached per user under the "perms" version in the shared cache
  (Redis in production), which is bumped by any change to users, groups, permissions or
  their links, so a revoked permission stops working on the next request (``crm.caching``);
* the user row and both permission sets are also kept in this process's memory, keyed by
  that same version, so a page costs one cache read (the version) instead of four reads and
  a query. The user row (password hash included) is never written to the shared cache.

``django.contrib.auth.get_user`` still checks the session's password hash and ``is_active``
on the user returned here, and a changed user bumps the version, so a password change or a
deactivation logs the sessions out on their next request as before.
"""

import copy
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from . import caching

NAMESPACE = "perms"
# Users kept in one process's memory; the oldest half is dropped beyond this.
PROCESS_USERS_MAX = 1000

# (perms version, user pk) -> (monotonic expiry, user with its permission sets)
_process_users: dict[tuple[str, object], tuple[float, object]] = {}


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


def forget_process_users() -> None:
    _process_users.clear()


def _remember(key, user) -> None:
    if len(_process_users) >= PROCESS_USERS_MAX:
        for old in list(_process_users)[: PROCESS_USERS_MAX // 2]:
            _process_users.pop(old, None)
    _process_users[key] = (time.monotonic() + caching.default_timeout(), user)


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        key = (caching.version(NAMESPACE), user_id)
        entry = _process_users.get(key)
        if entry is None or entry[0] < time.monotonic():
            user = super().get_user(user_id)
            if user is None:
                return None
            self.get_user_permissions(user)  # fills _user_perm_cache
            self.get_group_permissions(user)  # fills _group_perm_cache
            _remember(key, user)
        else:
            user = entry[1]
        # Each request gets its own instance: what a view sets on it stays in that request.
        return copy.copy(user)

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
