"""Data: the one MarketingSetup row with its base currency, and the three role groups."""

import os

from django.db import migrations


def create_setup(apps, schema_editor):
    Currency = apps.get_model("setup", "Currency")
    MarketingSetup = apps.get_model("setup", "MarketingSetup")
    code = (os.environ.get("BASE_CURRENCY") or "EUR").strip().upper()[:10]
    currency, _created = Currency.objects.get_or_create(
        code=code, defaults={"description": code}
    )
    MarketingSetup.objects.get_or_create(singleton=True, defaults={"base_currency": currency})


def delete_setup(apps, schema_editor):
    apps.get_model("setup", "MarketingSetup").objects.all().delete()


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("Sales", "Marketing", "Administrators"):
        Group.objects.get_or_create(name=name)
    # Permissions are granted by crm.roles.sync_role_permissions after every migrate, so models
    # added later are covered too.


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Sales", "Marketing", "Administrators"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("setup", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_setup, delete_setup),
        migrations.RunPython(create_groups, delete_groups),
    ]
