"""In the browser: a failed job says what happened in the user's language and offers Retry;
the retry finishes the job on the same page."""

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from contacts.models import Contact
from crm.jobs import bulk_job_failed
from crm.models import BulkJob, BulkJobStatus
from tests.browser.conftest import (  # noqa: F401  (fixtures)
    _chromium_present,
    browser_type_launch_args,
    login,
)
from tests.crm.test_jobs import LOST_FR, _contacts_csv, contact_numbers  # noqa: F401 (fixture)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_failed_import_offers_retry_in_french_and_the_retry_finishes_it(
    live_server,
    page,
    login,  # noqa: F811
    sales_user,
    contact_numbers,  # noqa: F811
):
    from contacts.imports import contact_import_csv_start

    # given: an import whose connection was lost (the failure path of every job task)
    mapping = {"name": "name", "city": "city", "external_id": "external_id"}
    with translation.override("fr"):
        job = contact_import_csv_start(
            path=_contacts_csv(3),
            mapping=mapping,
            skip_rejected=False,
            user=sales_user,
            enqueue=False,
        )
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJobStatus.RUNNING, task_name="contacts.tasks.contact_import_csv_task"
    )
    bulk_job_failed(job_id=job.pk, exc=OperationalError("server closed the connection"))
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    login(sales_user)
    # when
    page.goto(live_server.url + reverse("contacts:contact-import-job", args=[job.pk]))
    card = page.locator(f"#job-{job.pk}")
    expect(card).to_contain_text(LOST_FR)
    expect(card).to_contain_text("Échec")
    page.screenshot(path=".data/jobs-failed-retry-fr.png", full_page=True)
    card.get_by_role("button", name="Réessayer").click()
    # then
    expect(card).to_contain_text("Terminé", timeout=20_000)
    expect(card.get_by_role("button", name="Réessayer")).to_have_count(0)
    # the bar is sized by static/js/crm.js from data-percent (no style attribute under the CSP)
    bar = card.locator(".progress-bar")
    expect(bar).to_have_attribute("data-percent", "100")
    page.wait_for_function(  # Bootstrap animates the width (0.6 s)
        """id => { const b = document.querySelector(`#job-${id} .progress-bar`);
                   return b && b.getBoundingClientRect().width
                     >= b.parentElement.getBoundingClientRect().width - 1; }""",
        arg=job.pk,
        timeout=5_000,
    )
    page.screenshot(path=".data/jobs-retried-fr.png", full_page=True)
    assert Contact.objects.filter(external_id__in=["J0", "J1", "J2"]).count() == 3
