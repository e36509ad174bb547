"""Create a believable bilingual demo data set across every area that exists.

Idempotent: running it again adds nothing that is already there. ``--contacts N`` scales the
contact base with set-based inserts (each area's ``demo.seed`` decides how);
``--interactions N`` tops the interaction log up to N entries (a separate, optional size:
the default keeps ``./scripts/run`` quick, the interactions benchmark generates millions).

A big load (at least ``BULK_MIN_ROWS`` new rows, and more than the table holds already) runs
in bulk mode: the area's secondary indexes and foreign keys are dropped before its inserts and
rebuilt after them, in the same transaction. Building an index over a million rows at once is
several times cheaper than maintaining thirty indexes (five of them trigram GIN) row by row,
and one validating join per foreign key replaces a million deferred per-row checks at COMMIT.
The seed ends with ``VACUUM (ANALYZE)`` of the tables it loaded (visibility map and
statistics; skipped inside a caller's transaction, such as a test's).
"""

import importlib
import inspect
import time
from contextlib import contextmanager

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from crm.sql import quote

# Areas in dependency order; each may have a ``demo`` module with ``seed(*, contacts, stdout)``
# (``interactions``: also ``interactions=N``).
AREAS = ["setup", "contacts", "interactions", "opportunities", "segments", "campaigns"]
BULK_MIN_ROWS = 50_000
DEFAULT_INTERACTIONS = 30_000


def area_tables(area: str) -> list[str]:
    """The tables of an area's own models (not proxies, not unmanaged)."""
    try:
        config = apps.get_app_config(area)
    except LookupError:
        return []
    return [
        model._meta.db_table
        for model in config.get_models()
        if model._meta.managed and not model._meta.proxy
    ]


@contextmanager
def bulk_load(tables: list[str], stdout):
    """Drop the secondary indexes and foreign keys of ``tables``; rebuild them afterwards.

    Primary keys, unique indexes and the indexes behind constraints stay (``ON CONFLICT`` and
    the seed's own lookups need them). Must run inside a transaction: a failure rolls the
    drops back with the rows.
    """
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT i.indisunique AND NOT i.indisexclusion "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY 1, 2",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        # ALTER TABLE refuses a table with deferred checks pending (rows of an earlier area in
        # the caller's transaction): run them now, then defer again (every deferrable
        # constraint here is initially deferred).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    rebuild = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:  # validated by one join each
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
    stdout.write(
        f"    bulk load: {len(indexes)} indexes and {len(foreign_keys)} foreign keys dropped "
        f"and rebuilt ({time.monotonic() - rebuild:.1f} s of {time.monotonic() - started:.1f} s)"
    )


class Command(BaseCommand):
    help = (
        "Create demo data (idempotent). --contacts N scales the number of contacts, "
        "--interactions N the interaction log."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=300)
        parser.add_argument(
            "--interactions",
            type=int,
            default=DEFAULT_INTERACTIONS,
            help="top the interaction log up to N entries (3 per contact without any; "
            f"default {DEFAULT_INTERACTIONS:,}; 0 adds none)",
        )
        parser.add_argument(
            "--no-vacuum", action="store_true", help="skip the final VACUUM (ANALYZE)"
        )

    def handle(self, *args, contacts: int, interactions: int, no_vacuum: bool = False, **options):
        started = time.monotonic()
        loaded: list[str] = []
        for area in AREAS:
            try:
                module = importlib.import_module(f"{area}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{area}.demo":
                    raise
                continue
            area_started = time.monotonic()
            kwargs = {"contacts": contacts, "stdout": self.stdout}
            if "interactions" in inspect.signature(module.seed).parameters:
                kwargs["interactions"] = interactions
            tables = area_tables(area)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")  # a seed can be rerun
                if self._bulk(area, contacts, interactions):
                    with bulk_load(tables, self.stdout):
                        summary = module.seed(**kwargs)
                else:
                    summary = module.seed(**kwargs)
            loaded += tables
            self.stdout.write(
                f"  {area}: {summary or 'ok'} ({time.monotonic() - area_started:.1f} s)"
            )
        if not no_vacuum and not connection.in_atomic_block:
            vacuum_started = time.monotonic()
            with connection.cursor() as cursor:
                for table in loaded:
                    cursor.execute(f"VACUUM (ANALYZE) {quote(table)}")
            self.stdout.write(
                f"  VACUUM (ANALYZE) of {len(loaded)} tables "
                f"({time.monotonic() - vacuum_started:.1f} s)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {time.monotonic() - started:.1f} s. Log in as "
                "admin / admin-demo (administrator), sales / sales-demo (sales rep) or "
                "marketing / marketing-demo (marketing)."
            )
        )

    @staticmethod
    def _bulk(area: str, contacts: int, interactions: int) -> bool:
        """Bulk mode when the area adds at least BULK_MIN_ROWS rows, more than it holds."""
        sizes = {
            "contacts": ("contacts.Contact", contacts),
            "interactions": ("interactions.InteractionLogEntry", interactions),
        }
        if area not in sizes:
            return False
        label, wanted = sizes[area]
        existing = apps.get_model(label)._default_manager.count()
        added = wanted - existing
        return added >= BULK_MIN_ROWS and added > existing
