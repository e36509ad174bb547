"""Small versioned caches for data that every page reads and almost nothing writes.

A *namespace* ("perms", "choices") has a version stored in the default cache. Entries carry
the version they were computed in and are read with it in one round trip, so bumping it (on
the signals that change the data) makes every older entry stale at once, in every process
sharing the cache (Redis in production).
A missing version (first use, eviction, restart) is replaced by a fresh random one, so an
evicted version can never revive stale entries.

Which tables feed which namespace is declared once, when the apps are ready
(``connect_invalidation`` from ``CrmConfig.ready``), in every process: a worker, a shell or an
import that writes before it ever reads still bumps. Saves, deletes and many-to-many changes
bump through the model signals; every other write that Django sends to a watched table
(a queryset ``update()``, ``bulk_create``, raw SQL on a cursor) bumps through a database
execute wrapper that reads the statement's target table. The timeout only bounds writes made
outside Django (psql): 5 minutes with a shared cache, 5 seconds with a per-process one
(LocMemCache), where another process's bump is not seen.

Within a request each namespace's version is read from the cache once, on its first use, and
kept for the rest of that request (a bump made by the request itself replaces it). A namespace
whose values are never changed by their readers (``process=True``: choices, sync state, code
rows, whose rows are copied before they are handed out) also keeps its entries in this
process's memory under their version: a page reading seven choice lists and the sync state
six times costs two cache reads instead of thirteen (each a round trip to Redis and an
unpickling). Outside a request (workers, shells) every read goes to the cache as before.
"""

import copy
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connections, models, transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_save

SHARED_TIMEOUT = 300
LOCAL_TIMEOUT = 5
_LOCAL_BACKENDS = ("locmem.LocMemCache", "dummy.DummyCache")
# Entries of ``process=True`` namespaces kept in this process: (namespace, key) ->
# (version, value), the least recently used dropped beyond this.
PROCESS_ENTRIES_MAX = 512

# The versions this request has read or bumped, namespace -> version; None outside a request.
_request_versions: ContextVar[dict[str, str] | None] = ContextVar(
    "crm_caching_request_versions", default=None
)
_process_entries: OrderedDict[tuple[str, str], tuple[str, Any]] = OrderedDict()


def _request_begins(**kwargs) -> None:
    _request_versions.set({})


def _request_ends(**kwargs) -> None:
    _request_versions.set(None)


request_started.connect(_request_begins, dispatch_uid="crm-caching-request-started")
request_finished.connect(_request_ends, dispatch_uid="crm-caching-request-finished")


def forget_process_entries() -> None:
    _process_entries.clear()


def default_timeout() -> int:
    backend = settings.CACHES["default"]["BACKEND"]
    return LOCAL_TIMEOUT if backend.endswith(_LOCAL_BACKENDS) else SHARED_TIMEOUT


def _version_key(namespace: str) -> str:
    return f"crm:version:{namespace}"


def version(namespace: str) -> str:
    versions = _request_versions.get()
    if versions is not None and namespace in versions:
        return versions[namespace]
    key = _version_key(namespace)
    current = cache.get(key)
    if current is None:
        current = uuid.uuid4().hex
        if not cache.add(key, current, None):  # another process won the race
            current = cache.get(key) or current
    if versions is not None:
        versions[namespace] = current
    return current


def _new_version(namespace: str) -> None:
    current = uuid.uuid4().hex
    cache.set(_version_key(namespace), current, None)
    versions = _request_versions.get()
    if versions is not None:
        versions[namespace] = current


def bump(namespace: str) -> None:
    """A new version now (this transaction sees its change) and again after COMMIT (another
    process may have cached the old rows in between)."""
    _new_version(namespace)
    transaction.on_commit(lambda: _new_version(namespace))


def _remember_entry(slot: tuple[str, str], current: str, value: Any) -> None:
    _process_entries[slot] = (current, value)
    _process_entries.move_to_end(slot)
    while len(_process_entries) > PROCESS_ENTRIES_MAX:
        _process_entries.popitem(last=False)


def cached(
    namespace: str,
    key: str,
    compute: Callable[[], Any],
    timeout: int | None = None,
    *,
    process: bool = False,
) -> Any:
    """``compute()`` cached under ``key`` in the namespace's current version.

    The entry is stored with the version it was computed in, and read together with the
    namespace's version in one round trip (``get_many``): an entry of any other version is
    stale and computed again. In a request whose version of the namespace is known already,
    only the entry is read; with ``process=True`` (values no reader changes) not even that
    when this process holds the entry of that version."""
    version_key, entry_key = _version_key(namespace), f"crm:{namespace}:{key}"
    versions = _request_versions.get()
    current = versions.get(namespace) if versions is not None else None
    slot = (namespace, key)
    if current is None:
        found = cache.get_many([version_key, entry_key])
        current = found.get(version_key) or version(namespace)
        entry = found.get(entry_key)
        if versions is not None:
            versions[namespace] = current
    else:
        held = _process_entries.get(slot) if process else None
        if held is not None and held[0] == current:
            return held[1]
        entry = cache.get(entry_key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == current:
        value = entry[1]
    else:
        value = compute()
        cache.set(entry_key, (current, value), default_timeout() if timeout is None else timeout)
    if process and versions is not None:
        _remember_entry(slot, current, value)
    return value


_watched: dict[type[models.Model], set[str]] = {}
_watched_tables: dict[str, set[str]] = {}  # db_table -> namespaces


def _on_change(sender, **kwargs) -> None:
    for namespace in _watched.get(sender, ()):
        bump(namespace)


def invalidate_on_change(namespace: str, *senders: type[models.Model]) -> None:
    """Bump ``namespace`` whenever a row of ``senders`` (models or m2m ``through`` tables) is
    saved, deleted or (for ``through`` tables) changed through its many-to-many manager."""
    for sender in senders:
        first = sender not in _watched
        _watched.setdefault(sender, set()).add(namespace)
        _watched_tables.setdefault(sender._meta.db_table, set()).add(namespace)
        if first:
            uid = f"crm-caching-{sender._meta.label_lower}"
            post_save.connect(_on_change, sender=sender, dispatch_uid=f"{uid}-save", weak=False)
            post_delete.connect(_on_change, sender=sender, dispatch_uid=f"{uid}-del", weak=False)
            m2m_changed.connect(_on_change, sender=sender, dispatch_uid=f"{uid}-m2m", weak=False)


# A write statement and its target: INSERT INTO t, UPDATE [ONLY] t, DELETE FROM t, TRUNCATE t,
# COPY t, MERGE INTO t (also inside a WITH); the words after FOR UPDATE / DO UPDATE never name
# a watched table.
_WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "COPY", "MERGE", "WITH")
_TARGET = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|COPY|MERGE\s+INTO)"
    r"\s+(?:ONLY\s+)?(?:\"?\w+\"?\.)?\"?(\w+)\"?",
    re.IGNORECASE,
)


def written_tables(sql: str) -> set[str]:
    """Tables a statement writes to (empty for a query)."""
    head = sql.lstrip()[:8].upper()
    if not head.startswith(_WRITES):
        return set()
    if head.startswith("TRUNCATE"):  # TRUNCATE a, b, c …
        return {name.lower() for name in re.findall(r"\w+", sql)}
    return {name.lower() for name in _TARGET.findall(sql)}


def _bump_on_write(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if _watched_tables and isinstance(sql, str):
        for table in written_tables(sql):
            for namespace in _watched_tables.get(table, ()):
                bump(namespace)
    return result


def _install_wrapper(connection, **kwargs) -> None:
    if _bump_on_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(_bump_on_write)


# Small tables read through ``code_rows`` and the filters' cached choices, besides every
# concrete ``crm.models.CodeTable``.
CODE_TABLE_EXTRAS = ("setup.Salesperson", "setup.NumberSeries")


def code_tables() -> list[type[models.Model]]:
    from .models import CodeTable

    tables = [m for m in apps.get_models() if issubclass(m, CodeTable)]
    return tables + [apps.get_model(label) for label in CODE_TABLE_EXTRAS]


def connect_invalidation() -> None:
    """Declare every cached table (``CrmConfig.ready``): code tables feed "code-rows" and
    "choices", the setup row "marketing-setup"; and watch every connection's writes."""
    tables = code_tables()
    invalidate_on_change("code-rows", *tables)
    invalidate_on_change("choices", *tables)
    invalidate_on_change("marketing-setup", apps.get_model("setup", "MarketingSetup"))
    connection_created.connect(_install_wrapper, dispatch_uid="crm-caching-writes")
    for connection in connections.all(initialized_only=True):
        _install_wrapper(connection)


def code_rows(model: type[models.Model]) -> dict:
    """Every row of a small code table by primary key, cached in the "code-rows" namespace
    (bumped when a row of that table changes) and held by the process within a request: the
    rows are shared, so a caller that may change one takes a copy (``attach_code_rows``)."""
    invalidate_on_change("code-rows", model)  # no-op for the tables declared at start-up
    return cached(
        "code-rows",
        model._meta.label_lower,
        lambda: {row.pk: row for row in model._default_manager.all()},
        process=True,
    )


def attach_code_rows(instance: models.Model, *fields: str) -> models.Model:
    """Fill the named foreign keys of ``instance`` from ``code_rows`` instead of joining their
    tables: a pk lookup joined to seven small tables costs the planner more than it runs."""
    for name in fields:
        field = instance._meta.get_field(name)
        key = getattr(instance, field.attname)
        if key is not None:
            row = code_rows(field.related_model).get(key)
            if row is not None:  # a copy: what a view changes on it stays in that request
                field.set_cached_value(instance, copy.copy(row))
    return instance
