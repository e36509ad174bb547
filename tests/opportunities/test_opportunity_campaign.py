"""Campaign and segment of an opportunity (SPEC 7.2 OPP-5/6, CMP-26) on the create and edit
pages and in the admin."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.concurrency import version_token
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, Task
from tests.factories.campaigns import CampaignFactory, CampaignTargetGroupFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import (
    TaskFactory,
    cycle_with_stages,
    number_series_setup,
)
from tests.factories.segments import SegmentFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


@pytest.fixture
def me(sales_user):
    return SalespersonFactory(user=sales_user)


def _activated(**fields):
    campaign = CampaignFactory(
        starting_date=TODAY - dt.timedelta(days=30), ending_date=TODAY + dt.timedelta(days=30)
    )
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    CampaignTargetGroupFactory(campaign=campaign)
    return campaign


def _create_data(me, cycle, **extra):
    return {
        "description": "Via page",
        "contact": CompanyFactory().pk,
        "salesperson": me.pk,
        "sales_cycle": cycle.pk,
        "priority": "normal",
        **extra,
    }


def test_create_form_lists_only_activated_campaigns_covering_the_date(client, sales_user, me):
    """CMP-26/OPP-5: the lookup lists activated campaigns whose dates hold the date."""
    good = _activated()
    not_activated = CampaignFactory(
        starting_date=TODAY - dt.timedelta(days=1), ending_date=TODAY + dt.timedelta(days=1)
    )
    over = _activated(ending_date=TODAY - dt.timedelta(days=1))
    open_ended = _activated(ending_date=None)
    client.force_login(sales_user)
    form = client.get(reverse("opportunities:opportunity-create")).context["form"]
    listed = set(form.fields["campaign"].queryset)
    assert good in listed
    assert not {not_activated, over, open_ended} & listed


def test_create_page_stores_campaign_and_segment_and_card_shows_them(client, sales_user, me):
    campaign = _activated(description="Spring fair")
    segment = SegmentFactory(campaign=campaign)
    cycle = cycle_with_stages(2)
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:opportunity-create"),
        _create_data(me, cycle, campaign=campaign.pk, segment=segment.number),
    )
    assert response.status_code == 302
    opportunity = Opportunity.objects.get(description="Via page")
    assert opportunity.campaign == campaign
    assert opportunity.segment_number == segment.number
    card = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Spring fair" in card and segment.number in card


def test_opp6_create_refuses_a_segment_of_another_campaign(client, sales_user, me):
    """OPP-6 where it can fail: the segment has campaign A, the opportunity names B."""
    a, b = _activated(), _activated()
    segment = SegmentFactory(campaign=a)
    cycle = cycle_with_stages(2)
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:opportunity-create"),
        _create_data(me, cycle, campaign=b.pk, segment=segment.number),
    )
    assert response.status_code == 200
    assert "differs from campaign" in response.content.decode()
    assert not Opportunity.objects.filter(description="Via page").exists()
    with pytest.raises(ValidationError, match="differs from campaign"):
        services.opportunity_create(
            description="x",
            contact=CompanyFactory(),
            salesperson=me,
            sales_cycle=cycle,
            campaign=b,
            segment_number=segment.number,
        )


def test_opp5_edit_changes_campaign_entry_tasks_and_segment(client, sales_user, me):
    """OPP-5: changing the campaign sets it on the active entry, moves the open tasks of the
    old campaign when asked, and takes the new campaign's only unlogged segment."""
    old, new = _activated(), _activated()
    only_segment = SegmentFactory(campaign=new)
    cycle = cycle_with_stages(2)
    opportunity = services.opportunity_create(
        description="Deal", contact=CompanyFactory(), salesperson=me, sales_cycle=cycle,
        campaign=old,
    )  # fmt: skip
    services.opportunity_update(
        opportunity=opportunity, action="first", date_of_change=TODAY, estimated_value=100
    )
    open_task = TaskFactory(opportunity=opportunity, campaign=old, salesperson=me)
    closed_task = TaskFactory(
        opportunity=opportunity, campaign=old, is_closed=True, status="completed"
    )
    opportunity.refresh_from_db()
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:opportunity-edit", args=[opportunity.pk]),
        {
            "version": version_token(opportunity),
            "description": "Deal",
            "priority": "normal",
            "salesperson": me.pk,
            "campaign": new.pk,
            "move_campaign_tasks": "on",
            "segment": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.campaign == new
    assert opportunity.segment_number == only_segment.number
    assert OpportunityEntry.objects.get(opportunity=opportunity, is_active=True).campaign == new
    assert Task.objects.get(pk=open_task.pk).campaign == new
    assert Task.objects.get(pk=closed_task.pk).campaign == old


def test_opp5_edit_refuses_a_campaign_not_activated(me):
    campaign = CampaignFactory(
        starting_date=TODAY - dt.timedelta(days=1), ending_date=TODAY + dt.timedelta(days=1)
    )
    opportunity = services.opportunity_create(
        description="Deal",
        contact=CompanyFactory(),
        salesperson=me,
        sales_cycle=cycle_with_stages(1),
    )
    with pytest.raises(ValidationError, match="not activated"):
        services.opportunity_edit(opportunity=opportunity, data={"campaign": campaign})


def test_admin_applies_the_campaign_checks(admin_client, me):
    """The Django admin refuses what the pages refuse (OPP-5/6)."""
    a, b = _activated(), _activated()
    segment = SegmentFactory(campaign=a)
    opportunity = services.opportunity_create(
        description="Deal",
        contact=CompanyFactory(),
        salesperson=me,
        sales_cycle=cycle_with_stages(1),
    )
    url = reverse("admin:opportunities_opportunity_change", args=[opportunity.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {
        k: ("" if v is None else v)
        for k, v in page.context["adminform"].form.initial.items()
        if not isinstance(v, list)
    }
    data.update(
        {
            "campaign": b.pk,
            "segment_number": segment.number,
            "entries-TOTAL_FORMS": "0",
            "entries-INITIAL_FORMS": "0",
            "entries-MIN_NUM_FORMS": "0",
            "entries-MAX_NUM_FORMS": "1000",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "differs from campaign" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.campaign is None
