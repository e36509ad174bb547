"""Setup → Sales history import (SPEC 12.4 API-4): upload → mapping → dry run → confirm → job."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api.sales_history_import import (
    sales_history_import_batch,
    sales_history_import_preview,
    sales_history_import_start,
)
from contacts.imports import import_file_store
from contacts.models import SalesHistoryLine
from crm.exceptions import ApplicationError
from crm.models import BulkJob, BulkJobStatus

pytestmark = pytest.mark.django_db

HEADER = "Posting date;Kind;Link type;Customer;Item;Qty;Amount;Source\n"
GOOD = (
    HEADER + "2025-01-10;sale;customer;C100;ITEM-1;2;20.00;\n"
    "2025-01-11;sale;customer;C100;ITEM-2;1;5.50;\n"
    "2025-01-11;sale;customer;C100;ITEM-2;1;5.50;\n"  # an identical second line is kept
    "2025-01-12;purchase;vendor;V7;ITEM-3;4;8;SRC-1\n"
)
BAD = GOOD + "2025-13-01;sale;customer;C100;ITEM-9;1;1;\n" + "2025-01-13;sale;;;ITEM-9;1;1;\n"
MAPPING = {
    "Posting date": "posting_date",
    "Kind": "entry_kind",
    "Link type": "link_type",
    "Customer": "external_number",
    "Item": "item_code",
    "Qty": "quantity",
    "Amount": "amount",
    "Source": "source_id",
}


def _store(text: str, name: str = "sales.csv") -> str:
    return import_file_store(uploaded_file=SimpleUploadedFile(name, text.encode(), "text/csv"))


def _run(job: BulkJob) -> BulkJob:
    while sales_history_import_batch(job_id=job.pk, batch_size=2):
        pass
    job.refresh_from_db()
    return job


def test_preview_reports_per_line_errors_and_writes_nothing():
    # given
    path = _store(BAD)
    # when
    preview = sales_history_import_preview(path=path, mapping=MAPPING)
    # then
    assert (preview.total, preview.to_create, preview.rejected) == (6, 4, 2)
    assert {(e["line"], e["field"]) for e in preview.errors} == {
        (6, "posting_date"),
        (7, "contact_number"),
    }
    assert not SalesHistoryLine.objects.exists()


def test_a_file_with_an_invalid_line_imports_nothing(django_capture_on_commit_callbacks):
    # given
    path = _store(BAD)
    # when
    with pytest.raises(ApplicationError, match="2 line"):
        sales_history_import_start(path=path, mapping=MAPPING, skip_rejected=False)
    # then
    assert not SalesHistoryLine.objects.exists()
    assert not BulkJob.objects.filter(kind="sales_history_import_csv").exists()


def test_skip_rejected_imports_the_valid_lines_and_reports_the_others(
    django_capture_on_commit_callbacks,
):
    # given
    path = _store(BAD)
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = sales_history_import_start(path=path, mapping=MAPPING, skip_rejected=True)
    job = _run(job)
    # then
    assert len(callbacks) == 1  # the task is sent after the commit
    assert job.status == BulkJobStatus.SUCCEEDED
    assert (job.result["created"], job.result["rejected"]) == (4, 2)
    assert sorted(e["line"] for e in job.result["errors"]) == [6, 7]
    assert SalesHistoryLine.objects.count() == 4
    assert SalesHistoryLine.objects.filter(item_code="ITEM-2").count() == 2
    vendor = SalesHistoryLine.objects.get(source_id="SRC-1")
    assert (vendor.entry_kind, vendor.link_type, vendor.external_number) == (
        "purchase",
        "vendor",
        "V7",
    )


def test_reimporting_the_same_file_does_not_duplicate_lines(django_capture_on_commit_callbacks):
    # given
    first = _run(
        sales_history_import_start(path=_store(GOOD), mapping=MAPPING, skip_rejected=False)
    )
    keys = set(SalesHistoryLine.objects.values_list("source_id", flat=True))
    # when
    preview = sales_history_import_preview(path=_store(GOOD), mapping=MAPPING)
    second = _run(
        sales_history_import_start(path=_store(GOOD), mapping=MAPPING, skip_rejected=False)
    )
    # then
    assert first.result["created"] == 4
    assert (preview.to_create, preview.to_replace) == (0, 4)
    assert (second.result["created"], second.result["replaced"]) == (0, 4)
    assert SalesHistoryLine.objects.count() == 4
    assert set(SalesHistoryLine.objects.values_list("source_id", flat=True)) == keys
    assert all(k == "SRC-1" or k.startswith("csv:") for k in keys)


def test_a_replayed_batch_writes_the_same_rows(django_capture_on_commit_callbacks):
    # given
    job = sales_history_import_start(path=_store(GOOD), mapping=MAPPING, skip_rejected=False)
    sales_history_import_batch(job_id=job.pk, batch_size=2)
    BulkJob.objects.filter(pk=job.pk).update(params={**job.params, "offset": 0})
    # when
    job = _run(job)
    # then
    assert SalesHistoryLine.objects.count() == 4


def test_mapping_without_a_posting_date_is_refused():
    with pytest.raises(Exception, match="Posting date"):
        sales_history_import_preview(
            path=_store(GOOD), mapping={k: v for k, v in MAPPING.items() if v != "posting_date"}
        )


# -- pages -------------------------------------------------------------------------------------


def test_page_flow_upload_mapping_preview_confirm_job(
    client, admin_user_, django_capture_on_commit_callbacks
):
    # given
    client.force_login(admin_user_)
    # when: upload
    page = client.get(reverse("api:sales-history-import"))
    upload = SimpleUploadedFile("sales.csv", BAD.encode(), "text/csv")
    response = client.post(reverse("api:sales-history-import"), {"file": upload})
    # then
    assert page.status_code == 200
    assert "csv:" in page.content.decode()  # the deterministic key is documented
    assert response.status_code == 302
    assert response["Location"] == reverse("api:sales-history-import-mapping")
    # when: mapping (guessed from the headers where they name a field)
    mapping_page = client.get(response["Location"])
    assert mapping_page.status_code == 200
    form = mapping_page.context["form"]
    post = {f"col_{i}": MAPPING[h] for i, h in enumerate(form.headers)}
    preview = client.post(reverse("api:sales-history-import-mapping"), post)
    # then: dry run with per-line errors
    assert preview.status_code == 200
    assert preview.context["preview"].rejected == 2
    assert "Enter a date as YYYY-MM-DD." in preview.content.decode()
    assert "skip_rejected" in preview.content.decode()
    # when: confirming without skipping imports nothing
    refused = client.post(reverse("api:sales-history-import-confirm"), {})
    assert refused.status_code == 302
    assert refused["Location"] == reverse("api:sales-history-import-mapping")
    assert not SalesHistoryLine.objects.exists()
    # when: confirming with "skip rejected lines"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("api:sales-history-import-confirm"), {"skip_rejected": "on"})
    # then: the job page shows the progress partial and the result
    job = BulkJob.objects.get(kind="sales_history_import_csv")
    assert done["Location"] == reverse("api:sales-history-import-job", args=[job.pk])
    assert SalesHistoryLine.objects.count() == 4
    job_page = client.get(done["Location"])
    assert job_page.status_code == 200
    assert "progress-bar" in job_page.content.decode()
    progress = client.get(reverse("api:sales-history-import-progress", args=[job.pk]))
    assert progress.status_code == 286  # finished: htmx stops polling


def test_progress_keeps_polling_while_the_job_runs(client, admin_user_):
    # given
    job = BulkJob.objects.create(kind="sales_history_import_csv", total=10, done=3)
    client.force_login(admin_user_)
    # when
    response = client.get(reverse("api:sales-history-import-progress", args=[job.pk]))
    # then
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()


def test_upload_refuses_other_file_types(client, admin_user_):
    client.force_login(admin_user_)
    upload = SimpleUploadedFile("sales.txt", GOOD.encode(), "text/plain")
    response = client.post(reverse("api:sales-history-import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert "sales_history_import" not in client.session


@pytest.mark.parametrize(
    "name", ["sales-history-import", "sales-history-import-mapping", "sales-history-import-confirm"]
)
def test_without_permission_403(client, sales_user, name):
    client.force_login(sales_user)
    response = (client.post if name.endswith("confirm") else client.get)(reverse(f"api:{name}"))
    assert response.status_code == 403


def test_setup_index_links_the_import_for_administrators(client, admin_user_, sales_user):
    client.force_login(admin_user_)
    admin_page = client.get(reverse("setup:index")).content.decode()
    client.force_login(sales_user)
    sales_page = client.get(reverse("setup:index")).content.decode()
    assert reverse("api:sales-history-import") in admin_page
    assert reverse("maillog:setup") in admin_page
    assert reverse("api:sales-history-import") not in sales_page
    assert reverse("api:token-list") in sales_page
