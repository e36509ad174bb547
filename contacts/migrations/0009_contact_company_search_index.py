from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built concurrently: the contacts table stays writable while a million rows are indexed.
    atomic = False

    dependencies = [
        ("contacts", "0008_contact_search_cover_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("type", "company")),
                fields=["search_name", "id"],
                include=("name", "company_name", "email", "phone", "city"),
                name="contact_company_search_idx",
            ),
        ),
    ]
