"""Bulk logging and the delete-canceled job ANALYZE the log table when they changed more than
10 % of its estimated rows (``pg_class.reltuples``), so the planner does not plan the next list
page with the statistics of another table."""

import pytest
from django.db import connection

from crm.services import bulk_job_create
from crm.sql import table
from interactions.models import InteractionLogEntry
from interactions.services import interactions_bulk_log, interactions_delete_canceled
from interactions.services.analyze import ANALYZE_CHANGED_SHARE, table_estimated_rows
from tests.factories.interactions import (
    CompanyFactory,
    InteractionLogEntryFactory,
    InteractionTemplateFactory,
)

pytestmark = pytest.mark.django_db


def analyze_count() -> int:
    """``pg_stat_user_tables.analyze_count`` of the log table, read past this transaction's
    statistics snapshot (ANALYZE reports to the shared statistics at once)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relid = to_regclass(%s)",
            [table(InteractionLogEntry)],
        )
        return cursor.fetchone()[0]


def analyzed_with(rows: int) -> int:
    """``rows`` entries in the log and statistics that say so; the analyze count after it."""
    InteractionLogEntryFactory.create_batch(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table(InteractionLogEntry)}")
    assert table_estimated_rows(InteractionLogEntry) == rows
    return analyze_count()


def bulk_log(count: int) -> int:
    template = InteractionTemplateFactory()
    ids = [CompanyFactory().pk for _ in range(count)]
    job = bulk_job_create(
        kind="interactions_bulk_log",
        params={
            "template_id": template.pk,
            "description": "Mailing",
            "date": "2026-01-05",
            "contact_ids": ids,
        },
    )
    interactions_bulk_log(job_id=job.pk)
    return InteractionLogEntry.objects.filter(bulk_job=job).count()


def test_bulk_log_of_a_small_share_leaves_the_statistics_alone():
    before = analyzed_with(40)
    assert bulk_log(2) == 2  # 5 % of 40
    assert ANALYZE_CHANGED_SHARE * 40 >= 2
    assert analyze_count() == before


def test_bulk_log_of_more_than_a_tenth_analyzes_the_table():
    before = analyzed_with(40)
    assert bulk_log(5) == 5  # 12.5 % of 40
    assert analyze_count() == before + 1
    assert table_estimated_rows(InteractionLogEntry) == 45


def test_delete_canceled_of_more_than_a_tenth_analyzes_the_table():
    before = analyzed_with(40)
    InteractionLogEntry.objects.filter(
        pk__in=list(InteractionLogEntry.objects.values_list("pk", flat=True)[:6])
    ).update(is_canceled=True)
    job = bulk_job_create(kind="interactions_delete_canceled", params={})
    assert interactions_delete_canceled(job_id=job.pk) == 6
    assert analyze_count() == before + 1
    assert table_estimated_rows(InteractionLogEntry) == 34


def test_delete_canceled_of_a_small_share_leaves_the_statistics_alone():
    before = analyzed_with(40)
    InteractionLogEntry.objects.filter(
        pk__in=list(InteractionLogEntry.objects.values_list("pk", flat=True)[:3])
    ).update(is_canceled=True)
    job = bulk_job_create(kind="interactions_delete_canceled", params={})
    assert interactions_delete_canceled(job_id=job.pk) == 3
    assert analyze_count() == before
