"""The interaction log filtered by company costs a bounded page (issue "1/5 A working day"):
few columns, five joins, one reverse per link kind, no server-side cursors for the filter's
code tables. bench/interactions_bench.py measures it; these tests pin what made it cheap."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interactions.models import Attachment
from interactions.selectors import interaction_entry_list
from tests.factories.interactions import (
    CompanyFactory,
    InteractionLogEntryFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

ROWS = 50


@pytest.fixture
def client_(client, admin_user_):
    client.force_login(admin_user_)
    return client


@pytest.fixture
def company_log():
    """A company and its persons with a full page of entries showing every kind of link."""
    from tests.factories.opportunities import OpportunityFactory, number_series_setup

    number_series_setup()
    company = CompanyFactory()
    persons = [PersonFactory(company=company) for _ in range(3)]
    opportunity = OpportunityFactory(contact=company)
    message = Attachment.objects.create(file=ContentFile(b"eml", name="m.eml"), file_name="m.eml")
    entries = []
    for index in range(ROWS + 5):
        contact = persons[index % 3] if index % 2 else company
        entries.append(
            InteractionLogEntryFactory(
                contact=contact,
                contact_company=company,
                description=f"Row {index} & more",
                cost=Decimal("1.50"),
                is_canceled=index % 7 == 0,
                correspondence_type="email" if index % 5 == 0 else "",
                opportunity=opportunity if index % 4 == 0 else None,
                attachment=message if index % 6 == 0 else None,
                is_email_logged=index % 6 == 0,
                evaluation="positive" if index % 3 == 0 else "",
            )
        )
    InteractionLogEntryFactory.create_batch(5)  # another company's entries
    return company, entries


def test_log_by_company_page_has_a_bounded_query_count(
    client_, company_log, django_assert_max_num_queries
):
    """50 rows with contacts, templates, salespeople, attachments and opportunities cost the
    same 11 queries as one row: session, user, user and group permissions, the company (filter
    and its picker label), one page of rows, four code-table selects. The selector's
    ``only()`` loads no deferred column later (that would be one query per row)."""
    company, _entries = company_log
    lone = InteractionLogEntryFactory().contact_company
    with django_assert_max_num_queries(11):
        response = client_.get(reverse("interactions:index"), {"company": lone.pk})
    assert len(response.context["object_list"]) == 1
    with django_assert_max_num_queries(11):
        response = client_.get(reverse("interactions:index"), {"company": company.pk})
    assert response.status_code == 200
    assert len(response.context["object_list"]) == ROWS


def test_log_rows_link_where_reverse_says(client_, company_log):
    """Row links are built from one reverse per link kind; each equals the reverse of its row."""
    company, _entries = company_log
    response = client_.get(reverse("interactions:index"), {"company": company.pk})
    html = response.content.decode()
    rows = response.context["object_list"]
    assert rows
    for entry in rows:
        assert f'href="{reverse("interactions:entry-detail", args=[entry.pk])}"' in html
        if entry.opportunity_id:
            url = reverse("opportunities:opportunity-detail", args=[entry.opportunity_id])
            assert f'href="{url}"' in html
        elif not entry.is_canceled:
            url = reverse("opportunities:opportunity-create-from-interaction", args=[entry.pk])
            assert f'formaction="{url}"' in html
        if entry.correspondence_type == "email":
            url = reverse("interactions:entry-resend", args=[entry.pk])
            assert f'formaction="{url}"' in html
        if entry.attachment_id:
            assert f'href="{reverse("interactions:entry-message", args=[entry.pk])}"' in html
    assert f'href="{reverse("opportunities:task-create")}?contact=' in html
    assert f"Row {ROWS + 4} &amp; more" in html  # still escaped


def test_log_rows_reverse_once_per_link_kind_not_per_row(client_, company_log, monkeypatch):
    """Reversing costs ~15 µs each: 50 rows × 3–4 links was the biggest share of rendering
    after the SQL. The page now reverses each row link kind once."""
    import django.urls

    import interactions.views as views

    company, _entries = company_log
    calls = []
    for module in (django.urls, views):  # {% url %} imports django.urls.reverse
        real = module.reverse

        def counting(*args, _real=real, **kwargs):
            calls.append(args[0] if args else kwargs.get("viewname"))
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, "reverse", counting)
    response = client_.get(reverse("interactions:index"), {"company": company.pk})
    assert response.status_code == 200
    assert calls.count("interactions:entry-detail") == 1
    assert calls.count("opportunities:task-create") == 1
    assert len(calls) < 40, calls  # the layout's own links included; 50 rows reversed ~190


def test_log_list_selector_joins_only_what_the_page_shows():
    """The group is not shown: joining it made PostgreSQL plan the statement for 19 ms (0.8 ms
    to run it). Only the shown columns are read; the contact row alone is ~3.5 KB."""
    sql = str(interaction_entry_list().filter(contact_company_id=1)[:51].query)
    assert "interactions_interactiongroup" not in sql
    assert '"contacts_contact"."search_name"' not in sql
    assert '"interactions_interactionlogentry"."email_body"' not in sql
    assert sql.count(" JOIN ") == 5


def test_log_filter_code_tables_read_without_server_side_cursors(client_, company_log):
    """Four selects (salesperson, template, group, campaign) read with a plain SELECT each:
    ``QuerySet.iterator()`` made each a DECLARE / FETCH / CLOSE cursor on PostgreSQL."""
    company, _entries = company_log
    with CaptureQueriesContext(connection) as captured:
        client_.get(reverse("interactions:index"), {"company": company.pk})
    statements = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in statements if s.lstrip().upper().startswith("DECLARE")]
    assert any('FROM "setup_salesperson"' in s for s in statements)


def test_the_filter_form_is_rendered_in_one_loop_with_bootstrap_classes(client_, company_log):
    """The log (and the opportunity and task lists) render their filter form through
    partials/filter_form.html, not crispy's template per field, with the same classes."""
    company, _entries = company_log
    for name in ("interactions:index", "opportunities:index", "opportunities:task-list"):
        response = client_.get(reverse(name), {"company": company.pk} if "inter" in name else {})
        assert response.status_code == 200
        used = {t.name for t in response.templates}
        assert "partials/filter_form.html" in used, name
        assert not any(t.startswith("bootstrap5/") for t in used), (name, sorted(used))
        form = response.context["filter"].form
        html = response.content.decode()
        assert 'hx-trigger="input delay:300ms, submit"' in html
        for field in form.visible_fields():
            css = field.field.widget.attrs["class"].split()
            assert {"form-select", "form-control"} & set(css), (name, field.name, css)
            assert f'id="div_{field.auto_id}"' in html
