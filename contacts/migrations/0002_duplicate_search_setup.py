"""Ship the 16 default duplicate search string setup rows (SPEC 3.5)."""

from django.db import migrations

FIELDS = [
    "name",
    "address",
    "city",
    "phone",
    "vat_registration_number",
    "post_code",
    "email",
    "mobile_phone",
]
PARTS = ["first", "last"]
LENGTH = 5


def add_rows(apps, schema_editor):
    setup_model = apps.get_model("contacts", "DuplicateSearchStringSetup")
    for field in FIELDS:
        for part in PARTS:
            setup_model.objects.get_or_create(
                field=field, part=part, defaults={"length": LENGTH}
            )


def remove_rows(apps, schema_editor):
    setup_model = apps.get_model("contacts", "DuplicateSearchStringSetup")
    setup_model.objects.filter(field__in=FIELDS, part__in=PARTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_contact_models"),
    ]

    operations = [
        migrations.RunPython(add_rows, remove_rows),
    ]
