import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import CampaignTargetGroup
from crm.models import BulkJob, BulkJobStatus
from tests.factories.campaigns import (
    CampaignEntryFactory,
    CampaignFactory,
    CampaignPriceLineFactory,
    CampaignStatusFactory,
    CampaignTargetGroupFactory,
)
from tests.factories.contacts import CompanyFactory

pytestmark = pytest.mark.django_db


def test_activation_above_inline_limit_runs_as_job(
    target_lines, monkeypatch, django_capture_on_commit_callbacks
):
    """6.6: above the inline limit activation is a bulk job enqueued on commit; two runs, one
    effect (CMP-20)."""
    monkeypatch.setattr(services, "ACTIVATE_INLINE_LIMIT", 1)
    campaign = CampaignFactory()
    CampaignPriceLineFactory(campaign=campaign)
    target_lines.add(campaign, CompanyFactory())
    target_lines.add(campaign, CompanyFactory())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = services.campaign_activate(campaign=campaign)
    assert result.job is not None
    assert len(callbacks) == 1
    job = BulkJob.objects.get(pk=result.job.pk)
    assert job.status == BulkJobStatus.SUCCEEDED
    assert job.result == {"inserted": 2}
    assert services.campaign_activate_run(job_id=job.pk) == 2
    assert CampaignTargetGroup.objects.filter(campaign=campaign).count() == 2


def test_delete_canceled_job_enqueued_on_commit(django_capture_on_commit_callbacks):
    """CMP-12: the job is enqueued after commit and deletes only canceled entries."""
    campaign = CampaignFactory()
    CampaignEntryFactory(campaign=campaign, is_canceled=True)
    kept = CampaignEntryFactory(campaign=campaign)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.campaign_entries_delete_canceled_start(campaign=campaign)
    job.refresh_from_db()
    assert job.result == {"deleted": 1}
    assert list(campaign.entries.values_list("pk", flat=True)) == [kept.pk]


def test_admin_pages_render(client, admin_user_):
    campaign = CampaignFactory(status=CampaignStatusFactory())
    CampaignPriceLineFactory(campaign=campaign)
    CampaignEntryFactory(campaign=campaign)
    CampaignTargetGroupFactory(campaign=campaign)
    client.force_login(admin_user_)
    for model in (
        "campaign",
        "campaignstatus",
        "campaignentry",
        "campaigntargetgroup",
        "campaignpriceline",
    ):
        assert client.get(reverse(f"admin:campaigns_{model}_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).status_code
        == 200
    )


def test_demo_seed_is_idempotent(campaign_setup):
    from io import StringIO

    from campaigns import demo

    assert demo.seed(contacts=0, stdout=StringIO()) == "3 campaigns, 4 price lines"
    assert demo.seed(contacts=0, stdout=StringIO()) == "0 campaigns, 0 price lines"
