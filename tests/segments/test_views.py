import pytest
from django.urls import reverse

from crm.models import BulkJob
from segments.models import Segment
from segments.services import segment_criteria_apply
from tests.factories.contacts import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing_client(client, marketing_user):
    client.force_login(marketing_user)
    return client


def test_segment_list_query_budget(marketing_client, new_segment, django_assert_max_num_queries):
    """The segment list costs O(1) queries for any number of segments."""
    for _ in range(12):
        new_segment()
    with django_assert_max_num_queries(8):
        response = marketing_client.get(reverse("segments:index"))
    assert response.status_code == 200
    assert b"SG000012" in response.content


def test_create_page_numbers_the_segment(marketing_client, segment_setup):
    """SG-1 through the page: the new segment is numbered and dated today."""
    response = marketing_client.post(
        reverse("segments:segment-create"), {"description": "Newsletter"}
    )
    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response.url == segment.get_absolute_url()
    assert segment.number == "SG000001"


def test_segment_card_query_budget_and_htmx_partial(
    marketing_client, new_segment, django_assert_max_num_queries
):
    """The card costs the same queries for 3 and 60 lines; htmx gets the lines partial only."""
    segment = new_segment()
    for _ in range(30):
        PersonFactory()
    segment_criteria_apply(segment=segment, action="add", filters={})
    url = reverse("segments:segment-detail", args=[segment.pk])
    with django_assert_max_num_queries(14):
        response = marketing_client.get(url)
    assert response.status_code == 200
    partial = marketing_client.get(url, {"q": "zzz-none"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content
    assert b'id="lines"' in partial.content


def test_criteria_form_starts_job_and_progress_polls(
    marketing_client, new_segment, django_capture_on_commit_callbacks
):
    """SPEC 5.4: submitting the dialog starts a bulk job; the progress partial stops polling
    when it is finished (286)."""
    segment = new_segment()
    CompanyFactory(city="Arles")
    CompanyFactory(city="Sète")
    url = reverse("segments:segment-criteria", args=[segment.pk])
    assert marketing_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = marketing_client.post(url, {"action": "add", "contact__city": "Arles|Nîmes"})
    assert response.status_code == 302
    job = BulkJob.objects.get(target_id=segment.pk)
    assert segment.lines.count() == 1
    poll = marketing_client.get(reverse("segments:segment-job", args=[segment.pk, job.pk]))
    assert poll.status_code == 286
    actions = marketing_client.get(reverse("segments:segment-actions", args=[segment.pk]))
    assert "city is Arles, Nîmes" in actions.content.decode()


def test_export_streams_csv(marketing_client, new_segment):
    """SG-25 through the page: a streamed CSV download."""
    segment = new_segment()
    segment_criteria_apply(segment=segment, action="add", filters={})
    CompanyFactory()
    response = marketing_client.get(reverse("segments:segment-export", args=[segment.pk]))
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("number,external_id,name,")


def test_sales_user_cannot_change(client, sales_user, new_segment):
    """Sales users view segments but cannot apply criteria."""
    segment = new_segment()
    client.force_login(sales_user)
    assert client.get(reverse("segments:segment-detail", args=[segment.pk])).status_code == 200
    url = reverse("segments:segment-criteria", args=[segment.pk])
    assert client.post(url, {"action": "add"}).status_code == 403


def test_log_page_logs_and_lists_logged_segment(
    marketing_client, new_segment, django_capture_on_commit_callbacks
):
    """SG-19 through the page: logging starts a job (run on commit by the eager test
    settings); its page then redirects to the logged segments, which list it."""
    from tests.factories.interactions import InteractionTemplateFactory
    from tests.factories.setup import SalespersonFactory

    segment = new_segment(template=InteractionTemplateFactory(), salesperson=SalespersonFactory())
    CompanyFactory()
    segment_criteria_apply(segment=segment, action="add", filters={})
    with django_capture_on_commit_callbacks(execute=True):
        response = marketing_client.post(reverse("segments:segment-log", args=[segment.pk]))
    job = BulkJob.objects.get(kind="segment_log")
    assert response.status_code == 302
    assert response.url == reverse("segments:log-job", args=[job.pk])
    page = marketing_client.get(response.url)
    assert page.status_code == 302
    assert page.url == reverse("segments:loggedsegment-list")
    assert segment.number.encode() in marketing_client.get(page.url).content
    assert not Segment.objects.filter(pk=segment.pk).exists()


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("segment_create_opportunities", "Creating opportunities"),
        ("segment_apply_criteria", "Applying criteria"),
    ],
)
def test_card_names_the_running_job(marketing_client, new_segment, kind, title):
    from crm.services import bulk_job_create

    segment = new_segment()
    job = bulk_job_create(kind=kind, target=segment, total=3)
    Segment.objects.filter(pk=segment.pk).update(running_job=job)
    page = marketing_client.get(reverse("segments:segment-detail", args=[segment.pk]))
    assert title in page.content.decode()
    progress = marketing_client.get(reverse("segments:segment-job", args=[segment.pk, job.pk]))
    assert title in progress.content.decode()


def test_invalid_line_search_re_renders_with_its_error(marketing_client, new_segment):
    """An invalid line search is not ignored: the lines partial shows the form's error and no
    lines (before, the invalid search silently listed every line)."""
    company = CompanyFactory(name="Acme")
    segment = new_segment()
    segment_criteria_apply(segment=segment, action="add", filters={})
    url = reverse("segments:segment-detail", args=[segment.pk])
    response = marketing_client.get(url, {"q": "x" * 101}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'id="line-filter-errors"' in response.content
    assert "at most 100 characters" in response.content.decode()
    assert list(response.context["lines"]) == []
    valid = marketing_client.get(url, {"q": "Acme"}, HTTP_HX_REQUEST="true")
    assert [line.contact_id for line in valid.context["lines"]] == [company.pk]
    assert b'id="line-filter-errors"' not in valid.content
