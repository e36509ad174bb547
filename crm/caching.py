"""Small versioned caches for data that every page reads and almost nothing writes.

A *namespace* ("perms", "choices") has a version stored in the default cache. Entries embed
the version in their key, so bumping it (on the signals that change the data) makes every
older entry unreachable at once, in every process sharing the cache (Redis in production).
A missing version (first use, eviction, restart) is replaced by a fresh random one, so an
evicted version can never revive stale entries. The timeout bounds staleness when a write
bypasses the signals (a queryset ``update()``): 5 minutes with a shared cache, 5 seconds
with a per-process one (LocMemCache), where another process's bump is not seen.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

SHARED_TIMEOUT = 300
LOCAL_TIMEOUT = 5
_LOCAL_BACKENDS = ("locmem.LocMemCache", "dummy.DummyCache")


def default_timeout() -> int:
    backend = settings.CACHES["default"]["BACKEND"]
    return LOCAL_TIMEOUT if backend.endswith(_LOCAL_BACKENDS) else SHARED_TIMEOUT


def _version_key(namespace: str) -> str:
    return f"crm:version:{namespace}"


def version(namespace: str) -> str:
    key = _version_key(namespace)
    current = cache.get(key)
    if current is None:
        current = uuid.uuid4().hex
        if not cache.add(key, current, None):  # another process won the race
            current = cache.get(key) or current
    return current


def bump(namespace: str) -> None:
    """A new version now (this transaction sees its change) and again after COMMIT (another
    process may have cached the old rows in between)."""
    cache.set(_version_key(namespace), uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(_version_key(namespace), uuid.uuid4().hex, None))


def cached(namespace: str, key: str, compute: Callable[[], Any], timeout: int | None = None) -> Any:
    """``compute()`` cached under ``key`` in the namespace's current version."""
    full = f"crm:{namespace}:{version(namespace)}:{key}"
    value = cache.get(full)
    if value is None:
        value = compute()
        cache.set(full, value, default_timeout() if timeout is None else timeout)
    return value


_watched: dict[type[models.Model], set[str]] = {}


def _on_change(sender, **kwargs) -> None:
    for namespace in _watched.get(sender, ()):
        bump(namespace)


def invalidate_on_change(namespace: str, *senders: type[models.Model]) -> None:
    """Bump ``namespace`` whenever a row of ``senders`` (models or m2m ``through`` tables) is
    saved, deleted or (for ``through`` tables) changed through its many-to-many manager."""
    for sender in senders:
        first = sender not in _watched
        _watched.setdefault(sender, set()).add(namespace)
        if first:
            uid = f"crm-caching-{sender._meta.label_lower}"
            post_save.connect(_on_change, sender=sender, dispatch_uid=f"{uid}-save", weak=False)
            post_delete.connect(_on_change, sender=sender, dispatch_uid=f"{uid}-del", weak=False)
            m2m_changed.connect(_on_change, sender=sender, dispatch_uid=f"{uid}-m2m", weak=False)


def code_rows(model: type[models.Model]) -> dict:
    """Every row of a small code table by primary key, cached in the "code-rows" namespace
    (bumped when a row of that table changes)."""
    invalidate_on_change("code-rows", model)
    return cached(
        "code-rows",
        model._meta.label_lower,
        lambda: {row.pk: row for row in model._default_manager.all()},
    )


def attach_code_rows(instance: models.Model, *fields: str) -> models.Model:
    """Fill the named foreign keys of ``instance`` from ``code_rows`` instead of joining their
    tables: a pk lookup joined to seven small tables costs the planner more than it runs."""
    for name in fields:
        field = instance._meta.get_field(name)
        key = getattr(instance, field.attname)
        if key is not None:
            row = code_rows(field.related_model).get(key)
            if row is not None:
                field.set_cached_value(instance, row)
    return instance
