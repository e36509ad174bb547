"""The summary trigger locks each (cycle, salesperson) group it changes before its upsert, so
two opposite moves of the same salesperson's cards queue instead of deadlocking (see
``_lock`` in 0006)."""

import importlib

from django.db import migrations

triggers = importlib.import_module("opportunities.migrations.0006_pipeline_summary_triggers")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0007_board_index_ordered_by_id")]

    operations = [
        migrations.RunSQL(
            triggers.function_sql(lock=True), triggers.function_sql(lock=False)
        )
    ]
