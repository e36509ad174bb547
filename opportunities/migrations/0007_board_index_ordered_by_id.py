# Board index ends in -id: the per-stage LIMIT reads its 25 cards in index order instead of
# sorting every entry that shares the top estimated value. Built concurrently (big table).

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("opportunities", "0006_pipeline_summary_triggers"),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name="opportunityentry",
            name="oppentry_board_idx",
        ),
        AddIndexConcurrently(
            model_name="opportunityentry",
            index=models.Index(
                condition=models.Q(
                    ("is_active", True),
                    models.Q(("action_taken__in", ["won", "lost"]), _negated=True),
                ),
                fields=["sales_cycle", "stage", "-estimated_value", "-id"],
                include=("salesperson",),
                name="oppentry_board_idx",
            ),
        ),
    ]
