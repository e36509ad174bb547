"""The log entries' references to code tables and headers (decision 0011): no database
constraint, so Django's ``on_delete`` is what keeps them whole."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import ProtectedError

from interactions.models import InteractionLogEntry
from tests.factories.interactions import InteractionLogEntryFactory, LanguageFactory

pytestmark = pytest.mark.django_db


def _foreign_key_columns():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname
              FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
             WHERE c.conrelid = 'interactions_interactionlogentry'::regclass AND c.contype = 'f'
            """
        )
        return {row[0] for row in cursor.fetchall()}


def test_only_the_row_by_row_references_keep_a_database_constraint():
    # when
    columns = _foreign_key_columns()
    # then
    assert {"contact_id", "contact_company_id", "campaign_id", "opportunity_id"} <= columns
    assert not columns & {
        "salesperson_id",
        "group_id",
        "template_id",
        "language_id",
        "user_id",
        "logged_segment_id",
        "bulk_job_id",
    }


@pytest.mark.parametrize("reference", ["template", "group", "salesperson", "language"])
def test_a_code_in_use_by_a_log_entry_cannot_be_deleted(reference):
    # given
    entry = InteractionLogEntryFactory(language=LanguageFactory(code="FRA"))
    code = getattr(entry, reference)
    # when / then
    with pytest.raises(ProtectedError):
        code.delete()
    entry.refresh_from_db()
    assert getattr(entry, f"{reference}_id") == code.pk


def test_deleting_the_user_who_logged_keeps_the_entry_without_its_user():
    # given
    user = get_user_model().objects.create_user("logger", password="x")
    entry = InteractionLogEntryFactory(user=user)
    # when
    user.delete()
    # then
    assert InteractionLogEntry.objects.get(pk=entry.pk).user_id is None
