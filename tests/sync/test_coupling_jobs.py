"""Coupling from the contact list against a live Tryton (SYN-13, SYN-14): match-based coupling
as a background job, and "Create from external CRM". Remote values are read back from Tryton
by a second Tryton user."""

import pytest
from django.urls import reverse

from contacts.models import Contact
from sync.models import SyncCoupling, SyncJob, SyncJobStatus
from tests.sync.test_live import customer, mapping, remote, remote_id

pytestmark = pytest.mark.django_db


def test_x7_match_based_coupling_from_the_contact_list_runs_as_a_job(
    client,
    admin_user_,
    editor,
    django_capture_on_commit_callbacks,
):
    """X-7: one match couples, several give "multiple matches", none with "create new"
    creates and couples — started from the contact list, run as a coupling job."""
    single = customer(name="Single Match")
    double = customer(name="Double Match")
    lonely = customer(name="No Match")
    editor.create(
        "party.party",
        [
            {"name": "Single Match", "category": "Company"},
            {"name": "Double Match", "category": "Company"},
            {"name": "Double Match", "category": "Company"},
        ],
    )
    account = mapping("ACCOUNT")
    by_name = account.fields.get(local_field="name")
    client.force_login(admin_user_)
    assert (
        reverse("sync:match", args=["contact"])
        in client.get(reverse("contacts:contact-list")).content.decode()
    )
    url = reverse("sync:match", args=["contact"])
    assert "Double Match" not in client.get(url, {"mapping": account.pk}).content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"mapping": account.pk, "match_field": [by_name.pk]})
    job = SyncJob.objects.get(kind="coupling", user=admin_user_)
    assert response.url == reverse("sync:coupling-job", args=[job.pk])
    assert job.status == SyncJobStatus.QUEUED  # nothing ran inside the request
    assert not SyncCoupling.objects.filter(mapping=account).exists()
    for callback in callbacks:  # the commit: the job is queued, the worker runs it
        callback()
    job.refresh_from_db()
    assert (job.status, job.coupled, job.failed, job.skipped) == ("succeeded", 1, 1, 1)
    assert remote(editor, remote_id("ACCOUNT", single))["name"] == "Single Match"
    assert job.errors.get().message == "multiple matches"
    assert not SyncCoupling.objects.filter(local_id__in=[double.pk, lonely.pk]).exists()
    page = client.get(reverse("sync:coupling-job", args=[job.pk]))
    assert "multiple matches" in page.content.decode()
    assert (
        client.get(reverse("sync:coupling-job", args=[job.pk]), HTTP_HX_REQUEST="true").status_code
        == 286
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"mapping": account.pk, "match_field": [by_name.pk], "create_new": "1"})
    job = SyncJob.objects.filter(kind="coupling", user=admin_user_).order_by("-pk").first()
    assert job.status == "succeeded"
    assert job.inserted == 1
    assert remote(editor, remote_id("ACCOUNT", lonely))["name"] == "No Match"
    # the one-record job of "create in external CRM" ended with it (none left running)
    assert not SyncJob.objects.filter(status__in=["queued", "running"]).exists()
    inner = SyncJob.objects.filter(kind="coupling", user=None).get()
    assert (inner.status, inner.inserted, inner.finished_at is not None) == ("succeeded", 1, True)


def test_match_without_criteria_is_refused_before_any_job(
    client,
    admin_user_,
    enabled,
):
    client.force_login(admin_user_)
    response = client.post(
        reverse("sync:match", args=["contact"]), {"mapping": mapping("ACCOUNT").pk}
    )
    assert response.status_code == 200
    assert "no matching criteria" in response.content.decode()
    assert not SyncJob.objects.filter(kind="coupling").exists()


def test_create_from_the_external_crm_on_the_contact_list(
    client,
    admin_user_,
    editor,
):
    """SYN-14 "Create from external CRM": the picker searches Tryton (first 20 matches), the
    chosen party becomes a local company contact, coupled to it."""
    (party_id,) = editor.create("party.party", [{"name": "Remote Born Ltd", "category": "Company"}])
    editor.create(
        "party.party", [{"name": f"Remote Crowd {n}", "category": "Company"} for n in range(25)]
    )
    account = mapping("ACCOUNT")
    client.force_login(admin_user_)
    list_html = client.get(reverse("contacts:contact-list")).content.decode()
    assert reverse("sync:create-from-remote", args=["contact"]) in list_html
    search = reverse("sync:remote-search", args=[account.pk])
    crowd = client.get(search, {"q": "Remote Crowd", "model": "contact"}).content.decode()
    assert crowd.count("Create here and couple") == 20  # never the whole remote table
    html = client.get(search, {"q": "remote born", "model": "contact"}).content.decode()
    assert "Remote Born Ltd" in html

    response = client.post(
        reverse("sync:create-from-remote", args=["contact"]),
        {"mapping": account.pk, "remote_id": party_id},
    )
    contact = Contact.objects.get(name="Remote Born Ltd")
    assert response.url == contact.get_absolute_url()
    assert contact.type == "company"
    assert SyncCoupling.objects.get(mapping=account, local_id=contact.pk).remote_id == party_id
    job = SyncJob.objects.get(kind="coupling", direction="from_remote")
    assert (job.status, job.inserted, job.finished_at is not None) == ("succeeded", 1, True)
    html = client.get(search, {"q": "remote born", "model": "contact"}).content.decode()
    assert "already coupled" in html
