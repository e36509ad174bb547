"""The segment card: main actions as labelled buttons, each on its own form page; the
campaign shown; one flash message per outcome; "Create opportunities" with the wizard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import BulkJob
from opportunities.models import Opportunity, OpportunityStatus
from segments.models import LoggedSegment, Segment
from segments.services import segment_line_add, segment_update
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.opportunities import (
    SalesCycleFactory,
    cycle_with_stages,
    number_series_setup,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db

MAIN_ACTIONS = {
    "Add contacts": "segments:segment-criteria",
    "Reduce contacts": "segments:segment-criteria",
    "Refine contacts": "segments:segment-criteria",
    "Go back": "segments:segment-go-back",
    "Log segment": "segments:segment-log",
}
OWN_PAGES = [
    "segments:segment-go-back",
    "segments:segment-log",
    "segments:segment-refresh",
    "segments:segment-line-add",
    "segments:segment-save-criteria",
    "segments:segment-reuse-criteria",
    "segments:segment-reuse-logged",
    "segments:segment-mailing-group",
    "segments:segment-opportunities-create",
    "segments:segment-tasks-create",
    "segments:segment-activity-assign",
]


@pytest.fixture
def marketing_client(client, marketing_user):
    client.force_login(marketing_user)
    return client


@pytest.fixture
def segment(new_segment):
    template = InteractionTemplateFactory(code="LTR", correspondence_type="hard_copy")
    return new_segment(template=template, salesperson=SalespersonFactory())


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_card_main_actions_are_labelled_buttons_without_stray_required_marks(
    marketing_client, segment
):
    """SPEC 5.4: add, reduce, refine, go back and log are labelled buttons on the card, each
    leading to its own page; the card holds no other action's form (no required marks)."""
    response = marketing_client.get(reverse("segments:segment-detail", args=[segment.pk]))
    content = response.content.decode()
    for label, name in MAIN_ACTIONS.items():
        url = reverse(name, args=[segment.pk])
        assert f'href="{url}' in content, label
        assert f">{label}</a>" in content, label
    assert "asteriskField" not in content
    assert " required" not in content
    assert "onsubmit=" not in content


@pytest.mark.parametrize("name", OWN_PAGES)
def test_each_action_opens_its_own_form_page(marketing_client, segment, name):
    """Each action of the card has its own page with only its own form."""
    response = marketing_client.get(reverse(name, args=[segment.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="segment-action-form"' in content


def test_card_shows_campaign_and_target_flags(marketing_client, segment):
    """SPEC 5.4 step 5: the card shows the campaign and the campaign target/response flags."""
    campaign = CampaignFactory(description="Salon 2027")
    segment_update(segment=segment, data={"campaign": campaign, "is_campaign_target": True})
    response = marketing_client.get(reverse("segments:segment-detail", args=[segment.pk]))
    content = response.content.decode()
    assert campaign.get_absolute_url() in content
    assert "Salon 2027" in content
    assert '<dd class="col-sm-4" id="segment-campaign-target">yes</dd>' in content
    assert '<dd class="col-sm-4" id="segment-campaign-response">no</dd>' in content


def test_card_in_french_shows_campaign_flags(marketing_client, segment):
    """The card's campaign labels are translated."""
    segment_update(segment=segment, data={"is_campaign_response": True})
    response = marketing_client.get(
        reverse("segments:segment-detail", args=[segment.pk]), headers={"accept-language": "fr"}
    )
    content = response.content.decode()
    assert "Cible de campagne" in content
    assert "Réponse à la campagne" in content
    assert "Enregistrer le segment" in content


@pytest.mark.django_db(transaction=True)
def test_log_in_eager_mode_gives_one_message(marketing_client, segment):
    """One message per outcome: a log that finished at once says "logged", never also
    "being logged in the background"."""
    segment_line_add(segment=segment, contact=CompanyFactory())
    response = marketing_client.post(
        reverse("segments:segment-log", args=[segment.pk]), follow=True
    )
    texts = _messages(response)
    entry_no = LoggedSegment.objects.get().entry_no
    assert texts == [f"Segment {segment.number} logged (entry {entry_no})."], texts
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_log_refusal_re_renders_the_form_with_the_reason(marketing_client, segment):
    """SEG-40 through the page: a refused log stays on its form with the message."""
    response = marketing_client.post(
        reverse("segments:segment-log", args=[segment.pk]), {"follow_up": "on"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert form["follow_up"].value() is True
    assert Segment.objects.filter(pk=segment.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_criteria_in_eager_mode_reports_the_result(marketing_client, segment):
    """One message per outcome: a criteria job that finished at once reports its result."""
    CompanyFactory(city="Arles")
    url = reverse("segments:segment-criteria", args=[segment.pk])
    response = marketing_client.post(url, {"action": "add", "contact__city": "Arles"}, follow=True)
    texts = _messages(response)
    assert texts == ["Criteria applied: 1 lines changed, 1 lines on the segment."], texts
    assert segment.lines.count() == 1


def test_go_back_page_undoes_the_last_action(
    marketing_client, segment, django_capture_on_commit_callbacks
):
    """SEG-24 through its confirmation page."""
    segment_line_add(segment=segment, contact=CompanyFactory())
    url = reverse("segments:segment-go-back", args=[segment.pk])
    assert "Undo the last criteria action" in marketing_client.get(url).content.decode()
    response = marketing_client.post(url, follow=True)
    assert _messages(response) == ["Action 1 undone."]
    assert not segment.lines.exists()
    again = marketing_client.post(url)
    assert again.status_code == 200
    assert "nothing to undo" in again.content.decode().lower()


@pytest.fixture
def opportunity_setup(db):
    setup = number_series_setup()
    setup.default_sales_cycle = SalesCycleFactory()
    setup.save()
    return setup


def test_opp21_segment_opportunities_take_the_wizard_fields(
    marketing_client, segment, opportunity_setup, django_capture_on_commit_callbacks
):
    """OPP-21/SEG-53: the card's "Create opportunities" offers sales cycle, priority, date
    and activate first stage, and every opportunity is created with them."""
    contacts = [CompanyFactory(), CompanyFactory()]
    for contact in contacts:
        segment_line_add(segment=segment, contact=contact)
    cycle = cycle_with_stages(2)
    url = reverse("segments:segment-opportunities-create", args=[segment.pk])
    page = marketing_client.get(url).content.decode()
    for field in ("sales_cycle", "priority", "creation_date", "activate_first_stage"):
        assert f'name="{field}"' in page, field
    with django_capture_on_commit_callbacks(execute=True):
        marketing_client.post(
            url,
            {
                "sales_cycle": cycle.pk,
                "priority": "high",
                "creation_date": "2027-02-01",
                "activate_first_stage": "on",
                "estimated_value": "1200",
                "chances_percent": "40",
                "estimated_close_date": "2027-03-31",
                "confirm": "on",
            },
            follow=True,
        )
    created = Opportunity.objects.filter(segment_number=segment.number)
    assert sorted(created.values_list("contact_id", flat=True)) == sorted(c.pk for c in contacts)
    for opportunity in created:
        assert opportunity.sales_cycle == cycle
        assert opportunity.priority == "high"
        assert opportunity.creation_date == dt.date(2027, 2, 1)
        assert opportunity.status == OpportunityStatus.IN_PROGRESS
        entry = opportunity.entries.get()
        assert entry.estimated_value == Decimal(1200)
    assert BulkJob.objects.get(kind="segment_create_opportunities").params["priority"] == "high"


def test_opp21_first_stage_checks_refuse_on_the_form(marketing_client, segment, opportunity_setup):
    """OPP-20 via OPP-21: activating the first stage without an estimated value is refused
    on the form at once; no opportunity and no job is created, no number used up."""
    segment_line_add(segment=segment, contact=CompanyFactory())
    cycle = cycle_with_stages(2)
    url = reverse("segments:segment-opportunities-create", args=[segment.pk])
    response = marketing_client.post(
        url,
        {
            "sales_cycle": cycle.pk,
            "priority": "normal",
            "activate_first_stage": "on",
            "estimated_value": "0",
            "confirm": "on",
        },
    )
    assert response.status_code == 200
    assert "The estimated value must be greater than 0." in response.content.decode()
    assert not Opportunity.objects.exists()
    assert not BulkJob.objects.filter(kind="segment_create_opportunities").exists()
    assert not opportunity_setup.opportunity_series.lines.get().last_number_used


def test_logged_segment_cancel_and_delete_ask_on_their_own_page(
    marketing_client, segment, marketing_user
):
    """SEG-43: cancel and "delete canceled" ask on a confirmation page (no inline script);
    the confirmed POST applies."""
    from segments.services import segment_log

    segment_line_add(segment=segment, contact=CompanyFactory())
    logged, _job, _follow = segment_log(segment=segment, user=marketing_user)
    listing = marketing_client.get(reverse("segments:loggedsegment-list")).content.decode()
    assert "onsubmit=" not in listing
    url = reverse("segments:loggedsegment-cancel", args=[logged.pk])
    assert f'href="{url}?cancel=1"' in listing
    page = marketing_client.get(url, {"cancel": "1"}, headers={"accept-language": "fr"})
    assert f"Annuler le segment enregistré {logged.entry_no}" in page.content.decode()
    assert not LoggedSegment.objects.get(pk=logged.pk).is_canceled
    marketing_client.post(url, {"cancel": "1"})
    assert LoggedSegment.objects.get(pk=logged.pk).is_canceled
    delete_url = reverse("segments:loggedsegment-delete-canceled")
    asks = marketing_client.get(delete_url).content.decode()
    assert "Delete all canceled logged segments?" in asks
