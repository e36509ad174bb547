"""Pages linking interactions, opportunities and tasks (INT-13/18/19, TSK-6)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions.models import InteractionLogEntry
from opportunities import task_services as ts
from setup.models import MarketingSetup
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionLogEntryFactory
from tests.factories.opportunities import cycle_with_stages, number_series_setup
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


def test_i11_create_opportunity_button_on_the_log(client, sales_user):
    """I-11 (page): the log offers "Create opportunity" on an entry without one; posting it
    creates the opportunity and links it; a linked entry shows its opportunity instead."""
    MarketingSetup.objects.update(default_sales_cycle=cycle_with_stages())
    entry = InteractionLogEntryFactory(description="Needs a quote")
    client.force_login(sales_user)
    url = reverse("opportunities:opportunity-create-from-interaction", args=[entry.pk])

    page = client.get(reverse("interactions:index"))
    assert url in page.content.decode()

    response = client.post(url, {"next": reverse("interactions:index")})
    entry.refresh_from_db()
    assert entry.opportunity is not None
    assert response.url == entry.opportunity.get_absolute_url()
    page = client.get(reverse("interactions:index")).content.decode()
    assert url not in page and entry.opportunity.number in page

    again = client.post(url, {"next": reverse("interactions:index")})
    assert again.url == reverse("interactions:index")
    assert InteractionLogEntry.objects.get(pk=entry.pk).opportunity == entry.opportunity


def test_int19_create_task_from_entry_prefills_the_task_form(client, sales_user):
    """INT-19: "Create task" on an entry opens the task form pre-filled with contact,
    salesperson, campaign, opportunity and description."""
    campaign = CampaignFactory()
    entry = InteractionLogEntryFactory(campaign=campaign, description="Send brochure")
    client.force_login(sales_user)
    page = client.get(reverse("interactions:index")).content.decode()
    task_url = reverse("opportunities:task-create")
    assert f"{task_url}?contact={entry.contact_id}" in page

    response = client.get(
        task_url,
        {
            "contact": entry.contact_id,
            "salesperson": entry.salesperson_id,
            "campaign": campaign.pk,
            "description": entry.description,
        },
    )
    initial = response.context["form"].initial
    assert initial["campaign"] == str(campaign.pk)
    assert initial["description"] == "Send brochure"
    assert initial["contact"] == str(entry.contact_id)
    assert initial["salesperson"] == str(entry.salesperson_id)


def test_tsk6_closing_a_task_offers_to_register_an_interaction(client, sales_user):
    """TSK-6: closing a task on its page asks "Register an interaction?"; yes opens the
    wizard pre-filled with the task's contact, salesperson, campaign and description, linked
    to the task; finishing it stores the task on the entry."""
    campaign = CampaignFactory()
    contact = CompanyFactory()
    task = ts.task_create(
        description="Follow up",
        date=TODAY,
        salesperson=SalespersonFactory(),
        contact=contact,
        campaign=campaign,
    )
    client.force_login(sales_user)
    response = client.post(reverse("opportunities:task-close", args=[task.pk]))
    assert response.url.endswith("?register=1")
    page = client.get(response.url).content.decode()
    assert "Register an interaction?" in page
    wizard = reverse("interactions:entry-create") + f"?task={task.pk}"
    assert wizard in page

    response = client.get(
        reverse("interactions:entry-create"),
        {
            "task": task.pk,
            "contact": contact.pk,
            "campaign": campaign.pk,
            "description": task.description,
        },
    )
    initial = response.context["form"].initial
    assert (initial["task"], initial["campaign"], initial["description"]) == (
        task,
        campaign,
        "Follow up",
    )
    canceled = ts.task_create(description="X", date=TODAY, salesperson=SalespersonFactory())
    ts.task_cancel(task=canceled)
    page = client.get(canceled.get_absolute_url() + "?register=1").content.decode()
    assert "Register an interaction?" not in page


def test_tsk6_wizard_post_links_the_task(client, sales_user):
    """TSK-6: the interaction logged from the task's wizard is linked to the task."""
    from tests.factories.interactions import InteractionTemplateFactory

    task = ts.task_create(
        description="Follow up", date=TODAY, salesperson=SalespersonFactory(), contact=None
    )
    template = InteractionTemplateFactory(correspondence_type="hard_copy")
    contact = CompanyFactory()
    client.force_login(sales_user)
    response = client.post(
        reverse("interactions:entry-create"),
        {
            "contact": contact.pk,
            "template": template.pk,
            "description": "Called back",
            "salesperson": task.salesperson_id,
            "date": TODAY.isoformat(),
            "correspondence_type": "hard_copy",
            "task": task.pk,
            "is_successful": "on",
            "action": "finish",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert InteractionLogEntry.objects.get().task == task
