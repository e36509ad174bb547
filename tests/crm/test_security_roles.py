"""Roles follow the README (profiles, templates and duplicates are marketing or setup work; sales
history import and removal are the administrators'), and a bulk job's page opens only for the
user who started it and for administrators."""

import pytest
from django.test import Client
from django.urls import reverse

from contacts.dedupe import GENERATE_JOB_KIND
from contacts.imports import CSV_JOB_KIND
from contacts.models import ProfileQuestionnaire
from contacts.profiles import CLASSIFICATION_JOB_KIND
from crm.models import BulkJob
from crm.services import bulk_job_create
from interactions.models import InteractionGroup, InteractionTemplate
from segments.models import Segment
from segments.services import LOG_JOB_KIND
from tests.factories.campaigns import CampaignFactory
from tests.factories.interactions import InteractionGroupFactory, InteractionTemplateFactory
from tests.factories.segments import SegmentFactory

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


SALES_REFUSED = [
    # (url name, args, POST data)
    ("contacts:profile-questionnaire-create", [], {"code": "Q1", "description": "Q"}),
    ("contacts:profile-classification", [], {"run_date": "2026-01-01"}),
    ("interactions:group-create", [], {"code": "NEWGRP", "description": "New"}),
    ("interactions:template-create", [], {"code": "NEWTPL", "description": "New"}),
    ("contacts:duplicate-generate", [], {}),
    ("contacts:duplicate-separate", [1], {}),
]


@pytest.mark.parametrize(("name", "args", "data"), SALES_REFUSED)
def test_sales_cannot_do_marketing_or_setup_work(sales_user, name, args, data):
    client = login(sales_user)
    assert client.get(reverse(name, args=args)).status_code in {403, 405}
    assert client.post(reverse(name, args=args), data).status_code == 403


def test_sales_cannot_edit_groups_templates_or_questionnaires(sales_user):
    group = InteractionGroupFactory(description="Calls")
    template = InteractionTemplateFactory(description="Letter")
    questionnaire = ProfileQuestionnaire.objects.create(code="Q9", description="Keep")
    client = login(sales_user)
    posts = [
        (reverse("interactions:group-update", args=[group.pk]), {"description": "Hacked"}),
        (reverse("interactions:template-update", args=[template.pk]), {"description": "Hacked"}),
        (
            reverse("contacts:profile-questionnaire-update", args=[questionnaire.pk]),
            {"code": "Q9", "description": "Hacked"},
        ),
        (reverse("contacts:profile-questionnaire-delete", args=[questionnaire.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert InteractionGroup.objects.get(pk=group.pk).description == "Calls"
    assert InteractionTemplate.objects.get(pk=template.pk).description == "Letter"
    assert ProfileQuestionnaire.objects.get(pk=questionnaire.pk).description == "Keep"


def test_marketing_keeps_profiles_and_templates(marketing_user):
    client = login(marketing_user)
    response = client.post(
        reverse("interactions:group-create"), {"code": "MKT", "description": "Marketing"}
    )
    assert response.status_code == 302
    assert InteractionGroup.objects.filter(code="MKT").exists()
    assert marketing_user.has_perm("contacts.add_profilequestionnaire")
    assert marketing_user.has_perm("contacts.change_contactduplicate")
    assert not marketing_user.has_perm("contacts.add_saleshistoryline")


def test_only_administrators_hold_sales_history_writes(sales_user, marketing_user, admin_user_):
    for user in (sales_user, marketing_user):
        assert user.has_perm("contacts.view_saleshistoryline")
        assert not user.has_perm("contacts.add_saleshistoryline")
        assert not user.has_perm("contacts.delete_saleshistoryline")
        assert not user.has_perm("api.import_sales_history")
    assert admin_user_.has_perm("api.import_sales_history")


# -- bulk job pages ------------------------------------------------------------------------------


def _job_urls(owner) -> list[str]:
    """One job of each kind, started by ``owner``, and the URL of the page that shows it."""
    segment = SegmentFactory()
    campaign = CampaignFactory()

    def job(kind, target=None):
        return bulk_job_create(kind=kind, user=owner, target=target)

    return [
        reverse("contacts:contact-import-job", args=[job(CSV_JOB_KIND).pk]),
        reverse("contacts:contact-job-progress", args=[job(GENERATE_JOB_KIND).pk]),
        reverse("contacts:profile-classification-job", args=[job(CLASSIFICATION_JOB_KIND).pk]),
        reverse("interactions:job-progress", args=[job("interactions_bulk_log").pk]),
        reverse(
            "campaigns:campaign-job",
            args=[campaign.pk, job("campaign_activate", campaign).pk],
        ),
        reverse(
            "segments:segment-job",
            args=[segment.pk, job("segment_apply_criteria", segment).pk],
        ),
        reverse("segments:log-job", args=[job(LOG_JOB_KIND, segment).pk]),
    ]


def test_bulk_job_pages_open_for_owner_and_administrators_only(make_user, admin_user_):
    owner = make_user("owner", groups=["Marketing"])
    stranger = make_user("stranger", groups=["Marketing"])
    urls = _job_urls(owner)
    assert BulkJob.objects.count() == len(urls)
    for url in urls:
        assert login(stranger).get(url).status_code == 404, url
        assert login(owner).get(url).status_code == 200, url
        assert login(admin_user_).get(url).status_code == 200, url
    assert Segment.objects.count() == 1


def test_api_job_is_the_owner_s_only(make_user, admin_user_):
    from api.services import api_user_token_create

    owner = make_user("owner", groups=["Sales"])
    stranger = make_user("stranger", groups=["Sales"])
    job = bulk_job_create(kind=CSV_JOB_KIND, user=owner)
    url = f"/api/v1/jobs/{job.pk}"
    for user, expected in ((stranger, 404), (owner, 200), (admin_user_, 200)):
        _row, token = api_user_token_create(user=user, name="t")
        response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == expected, user
