from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions.models import InteractionLogEntry, InteractionTemplateLanguage
from tests.factories.interactions import (
    CompanyFactory,
    InteractionGroupFactory,
    InteractionLogEntryFactory,
    InteractionTemplateFactory,
    LanguageFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_(client, marketing_user):
    client.force_login(marketing_user)
    return client


@pytest.mark.parametrize("rows", [1, 30])
def test_log_list_queries_do_not_grow(client_, django_assert_num_queries, rows):
    # given
    InteractionLogEntryFactory.create_batch(rows)
    # when
    # session, user, user and group permissions, one page of rows (joined), and the
    # salesperson, template, group and campaign choices of the filter form; never a COUNT(*)
    with django_assert_num_queries(9):
        response = client_.get(reverse("interactions:index"))
    # then
    assert response.status_code == 200
    assert len(response.context["object_list"]) == rows
    assert response.context["page_obj"].paginator.count is None  # never COUNT(*)


def test_log_list_filters_by_company_including_persons_and_htmx_partial(client_):
    from tests.factories.interactions import PersonFactory

    company = CompanyFactory()
    person = PersonFactory(company=company)
    mine = [
        InteractionLogEntryFactory(contact=company),
        InteractionLogEntryFactory(contact=person, contact_company=company),
    ]
    InteractionLogEntryFactory()
    response = client_.get(
        reverse("interactions:index"), {"company": company.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert set(response.context["object_list"]) == set(mine)
    assert b"<nav" not in response.content.split(b'id="results"')[0]


def test_log_list_pages_without_count(client_):
    InteractionLogEntryFactory.create_batch(51)
    response = client_.get(reverse("interactions:index"), {"page": 2})
    assert len(response.context["object_list"]) == 1
    first = client_.get(reverse("interactions:index"))
    assert first.context["page_obj"].has_next()
    oldest = client_.get(reverse("interactions:index"), {"order": "oldest"})
    assert oldest.context["object_list"][0].entry_no < first.context["object_list"][0].entry_no


def test_postponed_page_shows_only_postponed(client_):
    postponed = InteractionLogEntryFactory(is_postponed=True)
    InteractionLogEntryFactory()
    response = client_.get(reverse("interactions:postponed-list"))
    assert list(response.context["object_list"]) == [postponed]
    assert reverse("interactions:entry-resume", args=[postponed.pk]).encode() in response.content


def test_wizard_from_contact_card_takes_defaults_and_finishes(client_):
    """I-1 through the page: ``?contact=<pk>&template=<pk>`` fills the template's defaults."""
    sp = SalespersonFactory()
    contact = CompanyFactory(salesperson=sp)
    template = InteractionTemplateFactory(unit_cost=Decimal("7.00"))
    url = reverse("interactions:entry-create")
    response = client_.get(url, {"contact": contact.pk, "template": template.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["cost"] == Decimal("7.00")
    response = client_.post(
        url,
        {
            "contact": contact.pk,
            "template": template.pk,
            "description": "Visit",
            "salesperson": sp.pk,
            "date": timezone.localdate().isoformat(),
            "cost": "3",
            "is_successful": "on",
            "action": "finish",
        },
    )
    assert response.status_code == 302
    entry = InteractionLogEntry.objects.get()
    assert entry.cost == Decimal("3") and not entry.attempt_failed


def test_wizard_without_contact_asks_for_one(client_):
    response = client_.get(reverse("interactions:entry-create"))
    assert response.status_code == 200
    assert 'name="contact"' in response.content.decode()


def test_wizard_missing_field_is_named(client_):
    """I-2 through the page."""
    contact = CompanyFactory()
    template = InteractionTemplateFactory()
    response = client_.post(
        reverse("interactions:entry-create"),
        {
            "contact": contact.pk,
            "template": template.pk,
            "description": "x",
            "date": timezone.localdate().isoformat(),
            "action": "finish",
        },
    )
    assert response.status_code == 200
    assert "You must fill in salesperson." in response.content.decode()
    assert not InteractionLogEntry.objects.exists()


def test_wizard_postpone_and_resume(client_):
    """I-5 through the pages."""
    contact = CompanyFactory()
    template = InteractionTemplateFactory()
    client_.post(
        reverse("interactions:entry-create"),
        {
            "contact": contact.pk,
            "template": template.pk,
            "action": "postpone",
            "date": "2020-01-01",
            "is_successful": "on",
        },
    )
    entry = InteractionLogEntry.objects.get()
    assert entry.is_postponed
    response = client_.get(reverse("interactions:entry-resume", args=[entry.pk]))
    assert response.context["form"].initial["date"] == timezone.localdate()


def test_cancel_and_evaluate_actions(client_):
    """I-8/I-10 through the page."""
    entries = InteractionLogEntryFactory.create_batch(2)
    ids = [e.pk for e in entries]
    url = reverse("interactions:entry-action")
    assert client_.post(url, {"action": "cancel", "entries": ids}).status_code == 302
    assert InteractionLogEntry.objects.filter(is_canceled=True).count() == 2
    client_.post(url, {"action": "evaluate", "entries": ids, "evaluation": "negative"})
    assert set(InteractionLogEntry.objects.values_list("evaluation", flat=True)) == {"negative"}


def test_template_pages_and_language_row_with_syntax_error(client_):
    """I-17 through the page: a body with a syntax error is refused on save."""
    group = InteractionGroupFactory()
    response = client_.post(
        reverse("interactions:template-create"),
        {
            "code": "mail",
            "description": "Mailing",
            "group": group.pk,
            "unit_cost": "1",
            "unit_duration_min": "2",
            "correspondence_type": "email",
            "attachment_mode": "merge",
            "information_flow": "",
            "initiated_by": "us",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    from interactions.models import InteractionTemplate

    template = InteractionTemplate.objects.get(code="MAIL")
    language = LanguageFactory()
    url = reverse("interactions:template-language-create", args=[template.pk])
    bad = client_.post(
        url,
        {"language": language.pk, "email_body": "{% if x %}oops", "send_attachment_as_file": "on"},
    )
    assert bad.status_code == 200
    assert "Template syntax error" in bad.content.decode()
    good = client_.post(
        url,
        {
            "language": language.pk,
            "email_body": "Dear {{ contact.name }}",
            "send_attachment_as_file": "on",
        },
    )
    assert good.status_code == 302
    assert InteractionTemplateLanguage.objects.filter(template=template).count() == 1
    assert client_.get(reverse("interactions:template-list")).status_code == 200
    assert (
        client_.get(reverse("interactions:template-update", args=[template.pk])).status_code == 200
    )


def test_group_pages(client_):
    response = client_.post(reverse("interactions:group-create"), {"code": "calls"})
    assert response.status_code == 302
    assert client_.get(reverse("interactions:group-list")).status_code == 200


def test_statistics_pages(client_):
    entry = InteractionLogEntryFactory()
    assert client_.get(reverse("interactions:statistics")).status_code == 200
    response = client_.get(reverse("interactions:contact-statistics", args=[entry.contact_id]))
    assert response.context["stats"]["count"] == 1


def test_delete_canceled_page_runs_the_job(client, admin_user_, django_capture_on_commit_callbacks):
    client.force_login(admin_user_)
    InteractionLogEntryFactory(is_canceled=True)
    kept = InteractionLogEntryFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("interactions:delete-canceled"), {})
    assert response.status_code == 200
    assert list(InteractionLogEntry.objects.all()) == [kept]
    job = response.context["job"]
    poll = client.get(reverse("interactions:job-progress", args=[job.pk]))
    assert poll.status_code == 286


def test_sales_user_cannot_delete_canceled(client, sales_user):
    client.force_login(sales_user)
    assert client.get(reverse("interactions:delete-canceled")).status_code == 403


def test_phone_call_page_logs_the_number_used(client_):
    """I-16 through the page."""
    from interactions.models import InteractionTemplateSetup

    setup = InteractionTemplateSetup.load()
    setup.outgoing_call = InteractionTemplateFactory(code="CALL")
    setup.save()
    contact = CompanyFactory(phone="+33 1", mobile_phone="+33 6", salesperson=SalespersonFactory())
    url = reverse("interactions:phone-call") + f"?contact={contact.pk}"
    assert client_.get(url).status_code == 200
    response = client_.post(url, {"phone": "+33 6", "description": "Called", "is_successful": "on"})
    assert response.status_code == 302
    assert InteractionLogEntry.objects.get().contact_via == "+33 6"


def test_resend_page(client_, django_capture_on_commit_callbacks):
    from django.core import mail

    entry = InteractionLogEntryFactory(
        correspondence_type="email", email_body="Hi", contact_via="x@example.test"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("interactions:entry-resend", args=[entry.pk]))
    assert response.status_code == 302
    assert mail.outbox[0].to == ["x@example.test"]
