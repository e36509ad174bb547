from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """The sort index carries the generated search columns instead of the five fields they
    replaced (0010), so a common fragment walks it index-only. Built before the old one is
    dropped, concurrently: the list keeps an index and the table stays writable."""

    atomic = False

    dependencies = [
        ("contacts", "0010_contact_search_document"),
        ("setup", "0002_marketing_setup_and_roles"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="contact",
            index=models.Index(
                fields=["search_name", "id"],
                include=("search_document", "search_phone_digits"),
                name="contact_search_sort_idx",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="contact",
            name="contact_search_cover_idx",
        ),
    ]
