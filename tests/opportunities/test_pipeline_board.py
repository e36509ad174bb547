"""The pipeline board (SPEC 7.5 step 2): which cycle it opens on, stage names, bad input,
and the refusal message of a move (the service of the Move action and of drag and drop)."""

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities.models import OpportunityEntry
from tests.factories.opportunities import (
    SalesCycleFactory,
    cycle_with_stages,
    number_series_setup,
    started_opportunity,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


@pytest.fixture
def me(sales_user):
    return SalespersonFactory(user=sales_user)


_started = started_opportunity


def test_board_opens_on_the_cycle_that_has_opportunities(client, sales_user, me):
    """An empty cycle sorting first ('AAA') is not the one shown: the busy one is."""
    SalesCycleFactory(code="AAA")
    busy = cycle_with_stages(2)
    busy.code = "ZZZ"
    busy.save()
    opportunity = _started(busy, me)
    client.force_login(sales_user)
    response = client.get(reverse("opportunities:pipeline"))
    assert response.status_code == 200
    assert response.context["cycle"] == busy
    assert opportunity.number in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "1.5", "999999"])
def test_board_malformed_or_unknown_cycle_is_404(client, sales_user, value):
    client.force_login(sales_user)
    assert client.get(reverse("opportunities:pipeline"), {"cycle": value}).status_code == 404
    assert client.get(reverse("opportunities:forecast"), {"cycle": value}).status_code == 404


def test_board_shows_stage_names_and_loads_drag_and_drop(client, sales_user, me):
    """Columns and the Move select show '2 · Proposal', not a bare 2; SortableJS and the
    board script come from static files (no inline script or handler)."""
    cycle = cycle_with_stages(2)
    cycle.stages.filter(stage=2).update(description="Proposal")
    _started(cycle, me)
    client.force_login(sales_user)
    body = client.get(reverse("opportunities:pipeline"), {"cycle": cycle.pk}).content.decode()
    assert '<option value="2">2 · Proposal</option>' in body
    assert "vendor/sortablejs/Sortable.min.js" in body
    assert "opportunities/js/pipeline_board.js" in body
    assert 'data-stage="2"' in body
    main = body.split('id="main"', 1)[1]  # the language menu of base.html is not the board's
    assert "onchange=" not in main
    assert "<script>" not in main


def test_refused_move_says_why_in_french_and_keeps_the_card(client, sales_user, me):
    cycle = cycle_with_stages(3)
    cycle.stages.filter(stage=3).update(description="Signature")
    opportunity = _started(cycle, me)
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:pipeline-move"),
        {"opportunity": opportunity.pk, "to_stage": 3, "cycle": cycle.pk},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert f"{opportunity.number} n'a pas été déplacée" in body
    assert "3 · Signature" in body
    assert response.headers["HX-Trigger"] == "pipelineMoveRefused"
    assert OpportunityEntry.objects.get(opportunity=opportunity, is_active=True).stage == 1


def test_move_with_malformed_cycle_is_404(client, sales_user, me):
    cycle = cycle_with_stages(2)
    opportunity = _started(cycle, me)
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:pipeline-move"),
        {"opportunity": opportunity.pk, "to_stage": 2, "cycle": "abc"},
    )
    assert response.status_code == 404
