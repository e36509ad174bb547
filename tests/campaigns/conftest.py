import pytest
from django.db import connection

from campaigns import references
from setup.models import MarketingSetup
from tests.factories.setup import CurrencyFactory, series_with_line


@pytest.fixture
def campaign_setup(db):
    """Marketing setup with a campaign series CA0001… and a base currency EUR."""
    series = series_with_line("CAMP", "CA0001")
    MarketingSetup.load()
    MarketingSetup.objects.update(campaign_series=series, base_currency=CurrencyFactory(code="EUR"))
    return MarketingSetup.load()


class TableTargetSource:
    """Stand-in for segment lines / interactions with a campaign (their fields ship in other
    issues): a temporary table of (campaign_id, contact_id, is_campaign_target)."""

    label = "test target line"

    def sql(self, campaign_ids, contact_ids=None):
        sql = (
            "SELECT campaign_id, contact_id FROM campaigns_test_target "
            "WHERE is_campaign_target AND campaign_id = ANY(%s)"
        )
        params = [list(campaign_ids)]
        if contact_ids is not None:
            sql += " AND contact_id = ANY(%s)"
            params.append(list(contact_ids))
        return sql, tuple(params)

    @staticmethod
    def add(campaign, contact, *, is_campaign_target=True) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO campaigns_test_target (campaign_id, contact_id, is_campaign_target) "
                "VALUES (%s, %s, %s) RETURNING id",
                [campaign.pk, contact.pk, is_campaign_target],
            )
            return cursor.fetchone()[0]

    @staticmethod
    def remove(line_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM campaigns_test_target WHERE id = %s", [line_id])


@pytest.fixture
def target_lines(db, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS campaigns_test_target (id serial PRIMARY KEY, "
            "campaign_id bigint, contact_id bigint, is_campaign_target boolean)"
        )
    real = references.target_sources
    source = TableTargetSource()
    monkeypatch.setattr(references, "target_sources", lambda: [*real(), source])
    return source
