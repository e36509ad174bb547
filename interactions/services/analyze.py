"""Fresh planner statistics after bulk work (set-based logging and deleting).

Autovacuum is off on the shared server and, where it is on, it waits for its own thresholds; a
bulk log of 100,000 entries or a delete-canceled job of as many leaves the planner with row
counts and histograms of another table. A statement that changed more than
``ANALYZE_CHANGED_SHARE`` of the table's estimated rows (``pg_class.reltuples``) runs
``ANALYZE`` on it right away: a sample of 30,000 rows, a few hundred milliseconds at 5M rows.
"""

from django.db import connection, models

from crm.sql import table

ANALYZE_CHANGED_SHARE = 0.10


def table_estimated_rows(model: type[models.Model]) -> float:
    """``pg_class.reltuples`` of the model's table: -1 (PostgreSQL 14+) or 0 when never
    analyzed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [table(model)],
        )
        row = cursor.fetchone()
    return float(row[0]) if row else -1.0


def table_analyze_if_changed(
    *, model: type[models.Model], changed_rows: int, share: float = ANALYZE_CHANGED_SHARE
) -> bool:
    """``ANALYZE`` the model's table when ``changed_rows`` exceed ``share`` of its estimated
    rows (always when it was never analyzed). Returns whether it ran. Allowed inside a
    transaction; it then sees that transaction's own rows."""
    if changed_rows <= 0:
        return False
    estimated = table_estimated_rows(model)
    if estimated > 0 and changed_rows <= share * estimated:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table(model)}")
    return True
