"""Keep opportunities_opportunitypipelinesummary exact: statement-level triggers on the entry
table (transition tables, so a bulk UPDATE costs one grouped upsert, not one per row), then a
set-based backfill in the same transaction.

CREATE TRIGGER locks the entry table (SHARE ROW EXCLUSIVE) until this migration commits, so no
entry can be written between the backfill and the triggers taking over.

An entry is counted when it is open (OPEN_ENTRY: active, action not won/lost); its key is
(sales_cycle, stage, salesperson, first day of the estimated close month). Deltas are grouped
by key and applied in key order, so two statements never lock summary rows in opposite order.
"""

from django.db import migrations

SUMMARY = "opportunities_opportunitypipelinesummary"
ENTRY = "opportunities_opportunityentry"


def _delta(rows: str, sign: str) -> str:
    return f"""
        SELECT sales_cycle_id, stage, salesperson_id,
               date_trunc('month', estimated_close_date)::date AS close_month,
               {sign}1 AS count, {sign}estimated_value AS estimated_value,
               {sign}calculated_current_value AS calculated_current_value
        FROM {rows}
        WHERE is_active AND action_taken NOT IN ('won', 'lost')
    """


def _upsert(deltas: str) -> str:
    """Apply grouped deltas; a key left negative means a write the triggers did not see."""
    return f"""
        WITH applied AS (
        INSERT INTO {SUMMARY} AS s (sales_cycle_id, stage, salesperson_id, close_month,
                                    count, estimated_value, calculated_current_value)
        SELECT sales_cycle_id, stage, salesperson_id, close_month,
               sum(count), sum(estimated_value), sum(calculated_current_value)
        FROM ({deltas}) AS d
        GROUP BY sales_cycle_id, stage, salesperson_id, close_month
        HAVING sum(count) <> 0 OR sum(estimated_value) <> 0
            OR sum(calculated_current_value) <> 0
        ORDER BY sales_cycle_id, stage, salesperson_id, close_month
        ON CONFLICT (sales_cycle_id, stage, salesperson_id, close_month) DO UPDATE SET
            count = s.count + excluded.count,
            estimated_value = s.estimated_value + excluded.estimated_value,
            calculated_current_value = s.calculated_current_value
                + excluded.calculated_current_value
        RETURNING s.count
        )
        SELECT min(count) INTO lowest FROM applied;
        IF lowest < 0 THEN
            RAISE EXCEPTION 'opportunity pipeline summary out of step (count %)', lowest;
        END IF;
    """


# Advisory lock class of the summary (two-int4 form: apart from the bigint locks elsewhere).
LOCK_CLASS = 0x4F505053  # "OPPS"


def _lock(deltas: str) -> str:
    """Migration 0008: before touching summary rows, lock each (cycle, salesperson) group the
    statement really changes, in order, until commit. A move deactivates one entry and inserts
    another (two statements, two keys of the same group): two moves in opposite directions
    then queue on the group instead of deadlocking on the summary rows."""
    return f"""
        PERFORM pg_advisory_xact_lock({LOCK_CLASS}, g.k)
        FROM (
            SELECT DISTINCT hashtext(sales_cycle_id || ':' || salesperson_id) AS k
            FROM (
                SELECT sales_cycle_id, salesperson_id
                FROM ({deltas}) AS d
                GROUP BY sales_cycle_id, stage, salesperson_id, close_month
                HAVING sum(count) <> 0 OR sum(estimated_value) <> 0
                    OR sum(calculated_current_value) <> 0
            ) AS changed
            ORDER BY 1
        ) AS g;
    """


def function_sql(*, lock: bool) -> str:
    inserted = _delta("new_rows", "")
    deleted = _delta("old_rows", "-")
    updated = inserted + " UNION ALL " + deleted
    return f"""
CREATE OR REPLACE FUNCTION opportunities_pipeline_summary_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    lowest bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_lock(inserted) if lock else ""}
        {_upsert(inserted)}
    ELSIF TG_OP = 'DELETE' THEN
        {_lock(deleted) if lock else ""}
        {_upsert(deleted)}
    ELSIF TG_OP = 'UPDATE' THEN
        {_lock(updated) if lock else ""}
        {_upsert(updated)}
    ELSE  -- TRUNCATE
        DELETE FROM {SUMMARY};
    END IF;
    RETURN NULL;
END
$$;
"""


FORWARD = f"""
{function_sql(lock=False)}

CREATE TRIGGER oppentry_summary_insert AFTER INSERT ON {ENTRY}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opportunities_pipeline_summary_apply();
CREATE TRIGGER oppentry_summary_update AFTER UPDATE ON {ENTRY}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opportunities_pipeline_summary_apply();
CREATE TRIGGER oppentry_summary_delete AFTER DELETE ON {ENTRY}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opportunities_pipeline_summary_apply();
CREATE TRIGGER oppentry_summary_truncate AFTER TRUNCATE ON {ENTRY}
    FOR EACH STATEMENT EXECUTE FUNCTION opportunities_pipeline_summary_apply();

DELETE FROM {SUMMARY};
INSERT INTO {SUMMARY} (sales_cycle_id, stage, salesperson_id, close_month, count,
                       estimated_value, calculated_current_value)
SELECT sales_cycle_id, stage, salesperson_id, date_trunc('month', estimated_close_date)::date,
       count(*), sum(estimated_value), sum(calculated_current_value)
FROM {ENTRY}
WHERE is_active AND action_taken NOT IN ('won', 'lost')
GROUP BY 1, 2, 3, 4;
"""

REVERSE = f"""
DROP TRIGGER IF EXISTS oppentry_summary_insert ON {ENTRY};
DROP TRIGGER IF EXISTS oppentry_summary_update ON {ENTRY};
DROP TRIGGER IF EXISTS oppentry_summary_delete ON {ENTRY};
DROP TRIGGER IF EXISTS oppentry_summary_truncate ON {ENTRY};
DROP FUNCTION IF EXISTS opportunities_pipeline_summary_apply();
DELETE FROM {SUMMARY};
"""


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0005_pipeline_summary")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
