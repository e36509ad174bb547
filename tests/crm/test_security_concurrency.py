"""Optimistic locking of every edit form two people can open (tasks, interaction groups,
templates and language rows, segments, campaigns, contacts, marketing setup).

Attacks held: a second browser saving an old form (stale), a POST without the version field, a
POST with an empty or forged version, and a partial POST that leaves fields out (never blanks).
"""

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from contacts.models import Contact
from crm.concurrency import StaleObjectError, ensure_not_stale, version_token
from interactions.models import InteractionGroup, InteractionTemplate, InteractionTemplateLanguage
from opportunities.models import Task
from segments.models import Segment
from setup.models import MarketingSetup
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import (
    InteractionGroupFactory,
    InteractionTemplateFactory,
    InteractionTemplateLanguageFactory,
)
from tests.factories.opportunities import TaskFactory
from tests.factories.segments import SegmentFactory
from tests.factories.setup import series_with_line

pytestmark = pytest.mark.django_db

STALE = "Someone else saved this record"
FORGED_VERSIONS = ["", "   ", "garbage", "2000-01-01T00:00:00+00:00", "9" * 300]


def form_data(form) -> dict:
    """What a browser posts back for an untouched form."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False or hasattr(value, "field"):  # files: not re-sent
            continue
        if value is True:
            value = "on"
        if hasattr(value, "pk"):
            value = value.pk
        data[bound.html_name] = value
    return data


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def errors_of(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for e in form.non_field_errors())


# -- the mechanism -------------------------------------------------------------------------------


def test_ensure_not_stale_refuses_an_empty_or_unreadable_version(contact_setup):
    """An edit form's missing version is a refusal; only a caller without a form passes None."""
    company = CompanyFactory()
    ensure_not_stale(instance=company, expected_version=None, fields=[], data={})
    for token in FORGED_VERSIONS:
        with pytest.raises(StaleObjectError, match=STALE):
            ensure_not_stale(instance=company, expected_version=token, fields=[], data={})


@pytest.fixture
def contact_setup(db):
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "CT000001"))


# -- tasks ---------------------------------------------------------------------------------------


def test_task_second_browser_cannot_restore_the_old_description(sales_user, admin_user_):
    """Two browsers open a task; the second save is refused with the contacts' message."""
    task = TaskFactory(description="Call back", location="HQ")
    url = reverse("opportunities:task-update", args=[task.pk])
    a, b = login(sales_user), login(admin_user_)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert data_a["version"] == version_token(task)
    assert a.post(url, {**data_a, "description": "Call back Monday"}).status_code == 302
    response = b.post(url, {**data_b, "location": "Lyon"})
    assert response.status_code == 200
    assert STALE in errors_of(response)
    task.refresh_from_db()
    assert (task.description, task.location) == ("Call back Monday", "HQ")
    # the refused form carries the current version: saving again is a deliberate choice
    again = form_data(response.context["form"])
    assert b.post(url, again).status_code == 302
    task.refresh_from_db()
    assert task.location == "Lyon"


@pytest.mark.parametrize("version", [None, *FORGED_VERSIONS])
def test_task_post_without_a_valid_version_is_refused(sales_user, version):
    task = TaskFactory(description="Keep me")
    url = reverse("opportunities:task-update", args=[task.pk])
    client = login(sales_user)
    data = form_data(client.get(url).context["form"])
    data["description"] = "Overwritten"
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = client.post(url, data)
    assert response.status_code == 200
    assert STALE in errors_of(response)
    assert Task.objects.get(pk=task.pk).description == "Keep me"


def test_task_partial_post_never_blanks_absent_fields(sales_user):
    task = TaskFactory(description="Old", location="HQ", recurring_interval="")
    url = reverse("opportunities:task-update", args=[task.pk])
    client = login(sales_user)
    response = client.post(url, {"description": "New", "version": version_token(task)})
    assert response.status_code == 302, response.context["form"].errors
    task.refresh_from_db()
    assert (task.description, task.location) == ("New", "HQ")
    assert task.priority and task.status


# -- interactions setup --------------------------------------------------------------------------


def test_interaction_group_stale_save_is_refused(admin_user_, marketing_user):
    group = InteractionGroupFactory(description="Calls")
    url = reverse("interactions:group-update", args=[group.pk])
    a, b = login(admin_user_), login(marketing_user)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert a.post(url, {**data_a, "description": "Phone calls"}).status_code == 302
    response = b.post(url, {**data_b, "description": "Old calls"})
    assert response.status_code == 200
    assert STALE in errors_of(response)
    assert InteractionGroup.objects.get(pk=group.pk).description == "Phone calls"
    del data_b["version"]
    response = b.post(url, {**data_b, "description": "No version"})
    assert STALE in errors_of(response)
    assert InteractionGroup.objects.get(pk=group.pk).description == "Phone calls"


def test_interaction_template_stale_save_is_refused(admin_user_, marketing_user):
    template = InteractionTemplateFactory(description="Letter")
    url = reverse("interactions:template-update", args=[template.pk])
    a, b = login(admin_user_), login(marketing_user)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert a.post(url, {**data_a, "description": "Letter A"}).status_code == 302
    response = b.post(url, {**data_b, "description": "Letter B"})
    assert response.status_code == 200
    assert "Description: Letter B / Letter A" in errors_of(response)
    assert InteractionTemplate.objects.get(pk=template.pk).description == "Letter A"


def test_interaction_template_language_row_stale_save_is_refused(admin_user_, marketing_user):
    row = InteractionTemplateLanguageFactory(description="FR")
    url = reverse("interactions:template-language-update", args=[row.template_id, row.pk])
    a, b = login(admin_user_), login(marketing_user)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert a.post(url, {**data_a, "email_subject": "Hello A"}).status_code == 302
    response = b.post(url, {**data_b, "email_subject": "Hello B"})
    assert response.status_code == 200
    assert STALE in errors_of(response)
    assert InteractionTemplateLanguage.objects.get(pk=row.pk).email_subject == "Hello A"


# -- segments, campaigns, contacts, marketing setup: a POST without version is refused -----------


def test_segment_campaign_contact_posts_without_version_are_refused(contact_setup, marketing_user):
    client = login(marketing_user)
    segment = SegmentFactory(description="Seg")
    campaign = CampaignFactory(description="Camp")
    company = CompanyFactory(name="Acme")
    cases = [
        ("segments:segment-update", segment, "description", Segment, "Seg"),
        ("campaigns:campaign-update", campaign, "description", Campaign, "Camp"),
        ("contacts:contact-update", company, "name", Contact, "Acme"),
    ]
    for url_name, obj, field, model, old in cases:
        url = reverse(url_name, args=[obj.pk])
        data = form_data(client.get(url).context["form"])
        for version in (None, ""):
            posted = {**data, field: "Forged"}
            if version is None:
                posted.pop("version")
            else:
                posted["version"] = version
            response = client.post(url, posted)
            assert response.status_code == 200, url_name
            assert STALE in response.content.decode(), url_name
            assert getattr(model.objects.get(pk=obj.pk), field) == old


def test_marketing_setup_stale_and_versionless_saves_are_refused(admin_user_, make_user):
    MarketingSetup.load()
    other = make_user("admin2", groups=["Administrators"], is_staff=True)
    url = reverse("setup:marketing-setup")
    a, b = login(admin_user_), login(other)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert a.post(url, {**data_a, "duplicate_hit_percent": 75}).status_code == 302
    response = b.post(url, {**data_b, "duplicate_hit_percent": 90})
    assert response.status_code == 200
    assert STALE in errors_of(response)
    data_b.pop("version")
    response = b.post(url, {**data_b, "duplicate_hit_percent": 95})
    assert STALE in errors_of(response)
    assert MarketingSetup.load().duplicate_hit_percent == 75


# -- setup records in the admin --------------------------------------------------------------


def admin_form_data(response) -> dict:
    return form_data(response.context["adminform"].form)


def test_setup_code_table_admin_refuses_stale_and_versionless_saves(admin_user_, make_user):
    from setup.models import Territory

    territory = Territory.objects.create(code="NORTH", description="North")
    url = reverse("admin:setup_territory_change", args=[territory.pk])
    other = make_user("admin2", groups=["Administrators"], is_staff=True)
    a, b = login(admin_user_), login(other)
    data_a = admin_form_data(a.get(url))
    data_b = admin_form_data(b.get(url))
    assert data_a["version"] == version_token(territory)
    assert a.post(url, {**data_a, "description": "North A"}).status_code == 302
    response = b.post(url, {**data_b, "description": "North B"})
    assert response.status_code == 200
    assert STALE in response.content.decode()
    data_b.pop("version")
    response = b.post(url, {**data_b, "description": "North C"})
    assert STALE in response.content.decode()
    assert Territory.objects.get(pk=territory.pk).description == "North A"


def test_campaign_price_line_stale_save_is_refused(marketing_user, admin_user_):
    from campaigns.models import CampaignPriceLine

    campaign = CampaignFactory()
    line = CampaignPriceLine.objects.create(campaign=campaign, item_code="A", unit_price=10)
    url = reverse("campaigns:price-line-update", args=[campaign.pk, line.pk])
    a, b = login(marketing_user), login(admin_user_)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert a.post(url, {**data_a, "unit_price": "9"}).status_code == 302
    response = b.post(url, {**data_b, "unit_price": "8"})
    assert response.status_code == 200
    assert STALE in errors_of(response)
    data_b.pop("version")
    assert STALE in errors_of(b.post(url, {**data_b, "unit_price": "7"}))
    assert CampaignPriceLine.objects.get(pk=line.pk).unit_price == 9
