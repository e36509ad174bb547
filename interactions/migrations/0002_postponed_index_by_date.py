# The Postponed page sorts by date like the log: index it that way (built concurrently, the
# log table is large).

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("interactions", "0001_interaction_models"),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name="interactionlogentry",
            name="interaction_postponed_idx",
        ),
        AddIndexConcurrently(
            model_name="interactionlogentry",
            index=models.Index(
                models.OrderBy(models.F("date"), descending=True),
                models.OrderBy(models.F("entry_no"), descending=True),
                condition=models.Q(("is_postponed", True)),
                name="interaction_postponed_date_idx",
            ),
        ),
    ]
