"""The pipeline board's raw SQL takes its identifiers from the models (``crm.sql``): with
entry and stage columns renamed in the database and in ``_meta`` (``rename_column``:
tests/conftest.py) the board shows the same card."""

import pytest
from django.urls import reverse

from opportunities.models import OpportunityEntry, SalesCycleStage
from tests.factories.opportunities import cycle_with_stages, number_series_setup
from tests.factories.opportunities import started_opportunity as _started
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


def test_board_cards_follow_renamed_columns(client, sales_user, rename_column):
    # given
    number_series_setup()
    cycle = cycle_with_stages(2)
    opportunity = _started(cycle, SalespersonFactory(user=sales_user))
    rename_column(OpportunityEntry, "estimated_value", "expected_value")
    rename_column(OpportunityEntry, "sales_cycle", "cycle_ref")
    rename_column(SalesCycleStage, "sales_cycle", "cycle_ref")
    client.force_login(sales_user)
    # when
    response = client.get(reverse("opportunities:pipeline"), {"cycle": cycle.pk})
    # then
    assert response.status_code == 200
    assert opportunity.number in response.content.decode()
