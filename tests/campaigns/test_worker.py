import pytest

from campaigns.models import CampaignEntry
from campaigns.tasks import campaign_entries_delete_canceled_task
from crm.models import BulkJob, BulkJobStatus
from crm.services import bulk_job_create
from tests.factories.campaigns import CampaignEntryFactory, CampaignFactory
from tests.worker import not_eager, real_worker, wait_for


@pytest.mark.django_db(transaction=True)
def test_cmp12_delete_canceled_job_on_a_real_worker():
    """CA-7 / CMP-12: a real worker deletes only the canceled entries; a duplicated message
    changes nothing."""
    # given
    campaign = CampaignFactory()
    CampaignEntryFactory.create_batch(3, campaign=campaign, is_canceled=True)
    kept = CampaignEntryFactory(campaign=campaign)
    job = bulk_job_create(kind="campaign_entries_delete_canceled", target=campaign, total=3)
    # when
    with real_worker() as worker, not_eager():
        campaign_entries_delete_canceled_task.apply_async(args=[job.pk], queue=worker.queue)
        campaign_entries_delete_canceled_task.apply_async(args=[job.pk], queue=worker.queue)
        wait_for(lambda: BulkJob.objects.get(pk=job.pk).status == BulkJobStatus.SUCCEEDED)
        wait_for(lambda: worker.log_path.read_text().count("succeeded in") >= 2, timeout=30)
    # then
    job.refresh_from_db()
    assert job.result == {"deleted": 3}
    assert list(CampaignEntry.objects.values_list("pk", flat=True)) == [kept.pk]
