"""The update wizard page (OPP-15/16, O-8): it starts from the current values, says before
saving what will change, and names stages and actions in the user's language."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities import services
from opportunities.models import OpportunityEntry
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import cycle_with_stages, number_series_setup
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


@pytest.fixture
def opportunity(sales_user):
    cycle = cycle_with_stages(3)
    cycle.stages.filter(stage=1).update(description="Qualification")
    cycle.stages.filter(stage=2).update(
        description="Proposition", chances_percent=70, completed_percent=60, date_formula="1M"
    )
    opportunity = services.opportunity_create(
        description="Deal",
        contact=CompanyFactory(),
        salesperson=SalespersonFactory(user=sales_user),
        sales_cycle=cycle,
    )
    services.opportunity_update(
        opportunity=opportunity,
        action="first",
        date_of_change=TODAY,
        estimated_value=Decimal(2000),
        chances_percent=Decimal(30),
        estimated_close_date=TODAY + dt.timedelta(days=10),
    )
    return opportunity


def test_update_form_starts_from_current_values(client, sales_user, opportunity):
    client.force_login(sales_user)
    response = client.get(reverse("opportunities:opportunity-update", args=[opportunity.pk]))
    form = response.context["form"]
    assert form["estimated_value"].value() == Decimal("2000.00")
    assert form["chances_percent"].value() == Decimal("30.00")
    assert form["estimated_close_date"].value() == TODAY + dt.timedelta(days=10)
    assert ("2", "2 · Proposition") in [
        (str(v), str(label)) for v, label in form.fields["to_stage"].choices
    ]


def test_update_preview_says_what_will_change_and_writes_nothing(client, sales_user, opportunity):
    """Next stage with chances 0 (stage default) and no close date (stage formula): the
    preview lists stage, chances and close date before → after; no entry is written."""
    client.force_login(sales_user)
    response = client.get(
        reverse("opportunities:opportunity-update-preview", args=[opportunity.pk]),
        {
            "action": "next",
            "date_of_change": TODAY.isoformat(),
            "estimated_value": "2000",
            "chances_percent": "0",
            "estimated_close_date": "",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    rows = {str(r["label"]): r for r in response.context["preview"]["rows"]}
    assert rows["Stage"]["now"] == "1 · Qualification"
    assert rows["Stage"]["after"] == "2 · Proposition"
    assert rows["Chances of success %"]["after"] == Decimal(70)
    assert rows["Chances of success %"]["changed"]
    assert rows["Estimated close date"]["after"] > TODAY + dt.timedelta(days=10)
    assert not rows["Estimated value"]["changed"]
    assert b"<html" not in response.content
    assert OpportunityEntry.objects.filter(opportunity=opportunity).count() == 1


def test_update_preview_lists_refusals(client, sales_user, opportunity):
    """O-8 before saving: a close date earlier than the date of change is announced."""
    client.force_login(sales_user)
    response = client.get(
        reverse("opportunities:opportunity-update-preview", args=[opportunity.pk]),
        {
            "action": "update",
            "date_of_change": TODAY.isoformat(),
            "estimated_value": "2000",
            "chances_percent": "30",
            "estimated_close_date": (TODAY - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert "must not be earlier than the date of change" in html.unescape(response.content.decode())


def test_update_page_in_french_names_actions_and_stages(client, sales_user, opportunity):
    client.force_login(sales_user)
    response = client.get(
        reverse("opportunities:opportunity-update", args=[opportunity.pk]),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    body = html.unescape(response.content.decode())
    assert "Étape suivante → 2 · Proposition" in body
    assert "Ce qui changera quand vous cliquerez sur Terminer" in body
    assert "Après enregistrement" in body
