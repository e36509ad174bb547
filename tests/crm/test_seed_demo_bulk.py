"""``seed_demo`` at scale (issue 5/5): bulk mode around big loads, interactions as a separate
size, and ``VACUUM (ANALYZE)`` of the loaded tables at the end."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from contacts.models import Contact
from crm.management.commands import seed_demo
from interactions.models import InteractionLogEntry


def _schema(tables: list[str]) -> tuple[set, set]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = ANY(%s::regclass[])",
            [tables],
        )
        indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
            [tables],
        )
        constraints = set(cursor.fetchall())
    return indexes, constraints


@pytest.mark.django_db
def test_a_big_load_drops_and_rebuilds_the_areas_secondary_indexes_and_foreign_keys(monkeypatch):
    tables = seed_demo.area_tables("contacts")
    before = _schema(tables)
    assert len(before[0]) > 20 and any(c[2].startswith("FOREIGN KEY") for c in before[1])
    monkeypatch.setattr(seed_demo, "BULK_MIN_ROWS", 100)  # 300 contacts count as big

    out = io.StringIO()
    call_command("seed_demo", contacts=300, interactions=0, stdout=out)

    assert "bulk load:" in out.getvalue()
    assert _schema(tables) == before  # same indexes, same validated constraints
    assert Contact.objects.count() == 300
    persons = Contact.objects.filter(type="person", company__isnull=False)
    assert persons.exists()
    assert not persons.exclude(company__type="company").exists()


@pytest.mark.django_db
def test_a_small_load_keeps_the_indexes():
    out = io.StringIO()
    call_command("seed_demo", contacts=300, interactions=0, stdout=out)
    assert "bulk load:" not in out.getvalue()


@pytest.mark.django_db
def test_interactions_are_a_separate_size():
    out = io.StringIO()
    call_command("seed_demo", contacts=300, interactions=60, stdout=out)
    assert "interactions: 5 templates, 60 interactions added" in out.getvalue()
    assert Contact.objects.count() == 300
    assert InteractionLogEntry.objects.count() < 60 + 300  # not 3 per contact

    out = io.StringIO()
    call_command("seed_demo", contacts=300, interactions=0, stdout=out)
    assert "0 interactions added" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_seeding_ends_with_vacuum_analyze_of_the_loaded_tables():
    out = io.StringIO()
    call_command("seed_demo", contacts=300, interactions=60, stdout=out)
    assert "VACUUM (ANALYZE) of" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, last_vacuum IS NOT NULL, last_analyze IS NOT NULL "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [["contacts_contact", "interactions_interactionlogentry"]],
        )
        rows = cursor.fetchall()
    assert sorted(rows) == [
        ("contacts_contact", True, True),
        ("interactions_interactionlogentry", True, True),
    ]
