"""Type-ahead pickers (crm.widgets.SearchSelect and the search endpoints of crm.pickers)."""

import re

import pytest
from django import forms
from django.urls import reverse

from contacts.models import Contact
from crm.widgets import SearchSelect, SearchSelectMultiple
from interactions.filters import InteractionLogEntryFilterSet
from interactions.forms import DeleteCanceledForm, InteractionForm
from opportunities.forms import ActivityAssignForm, AttendeeForm, OpportunityCreateForm, TaskForm
from segments.forms import SegmentForm
from setup.models import ContactType
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.opportunities import OpportunityFactory
from tests.factories.segments import SegmentFactory

OPTION = re.compile(r"<option\b")


def bulk_contacts(count: int, *, prefix: str = "Bulk") -> list[Contact]:
    """``count`` independent persons in one INSERT (the pickers must never list them)."""
    return Contact.objects.bulk_create(
        Contact(
            number=f"BK{i:06d}",
            type=ContactType.PERSON,
            name=f"{prefix} Person {i:05d}",
            search_name=f"{prefix} PERSON {i:05d}".upper(),
            email=f"bulk{i}@bulk.example",
            search_email=f"BULK{i}@BULK.EXAMPLE",
            city="Lyon",
        )
        for i in range(count)
    )


def options(html: str) -> list[str]:
    return re.findall(r"<option[^>]*>([^<]*)</option>", html)


# -- the widget ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rendered_form_has_no_option_for_unselected_contacts(django_assert_max_num_queries):
    """A picker renders the selected contact only, however many contacts exist."""
    # given
    bulk_contacts(400)
    chosen = PersonFactory(name="Chosen Person")
    form = OpportunityCreateForm(initial={"contact": chosen.pk})
    # when
    with django_assert_max_num_queries(3):
        html = str(form["contact"])
    # then
    assert options(html)[1:] == [str(chosen)]  # the empty choice, then the selected row
    assert f'value="{chosen.pk}" selected' in html
    assert 'data-search-url="/contacts/search/"' in html
    assert "Bulk Person" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form", "field"),
    [
        (OpportunityCreateForm, "contact"),
        (TaskForm, "contact"),
        (TaskForm, "campaign"),
        (AttendeeForm, "contact"),
        (ActivityAssignForm, "contact"),
        (InteractionForm, "contact"),
        (InteractionForm, "campaign"),
        (DeleteCanceledForm, "contact"),
        (SegmentForm, "campaign"),
    ],
)
def test_every_large_table_field_is_a_picker_without_options(form, field):
    # given: rows of every large table
    bulk_contacts(50)
    CampaignFactory.create_batch(3)
    # when
    html = str(form()[field])
    # then: only the empty option, no row
    assert isinstance(form().fields[field].widget, SearchSelect)
    assert len(OPTION.findall(html)) == 1
    assert "data-search-url=" in html


@pytest.mark.django_db
def test_interaction_filters_pick_contact_and_company_by_name_not_raw_id():
    # given
    company = CompanyFactory(name="Globex Filter")
    person = PersonFactory(name="Ann Filter", company=company)
    bulk_contacts(100)
    # when
    filterset = InteractionLogEntryFilterSet(data={"contact": person.pk, "company": company.pk})
    html = str(filterset.form["contact"]) + str(filterset.form["company"])
    # then
    assert str(person) in html
    assert str(company) in html
    assert "kind=company" in html
    assert 'type="number"' not in html
    assert len(OPTION.findall(html)) == 4  # empty + selected, twice
    assert filterset.form.fields["contact"].label == "Contact"


@pytest.mark.django_db
def test_widget_drops_unknown_or_malformed_values():
    # given
    form = OpportunityCreateForm(data={"contact": "not-a-number"})
    # when
    html = str(form["contact"])
    # then
    assert len(options(html)) == 1  # the empty choice only
    assert not form.is_valid()
    assert "contact" in form.errors


@pytest.mark.django_db
def test_multiple_picker_renders_only_the_chosen_rows():
    # given
    bulk_contacts(30)
    first, second = CompanyFactory(name="Multi One"), CompanyFactory(name="Multi Two")

    class AttendeesForm(forms.Form):
        contacts = forms.ModelMultipleChoiceField(
            queryset=Contact.objects.all(),
            widget=SearchSelectMultiple("contacts:contact-search"),
        )

    form = AttendeesForm(data={"contacts": [first.pk, second.pk]})
    # when
    html = str(form["contacts"])
    # then
    assert form.is_valid()
    assert list(form.cleaned_data["contacts"]) == sorted([first, second], key=lambda c: c.pk)
    assert options(html) == [str(first), str(second)]
    assert "multiple" in html


@pytest.mark.django_db
def test_widget_labels_are_translated(settings):
    # given
    from django.utils import translation

    # when
    with translation.override("fr"):
        html = str(OpportunityCreateForm()["contact"])
    # then
    assert 'data-no-results="Aucun résultat"' in html
    assert 'data-placeholder="Tapez pour rechercher…"' in html


# -- the search endpoints ------------------------------------------------------------------------


def _search(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.django_db
def test_contact_search_returns_the_first_20_matches_in_name_order(client, sales_user):
    # given
    bulk_contacts(60, prefix="Zed")
    CompanyFactory(name="Other Company")
    client.force_login(sales_user)
    # when
    results = _search(client, "contacts:contact-search", q="zed person")
    # then
    assert len(results) == 20
    assert [r["text"] for r in results] == [
        str(c) for c in Contact.objects.filter(name__startswith="Zed").order_by("search_name")[:20]
    ]
    assert all(set(r) == {"value", "text", "hint"} for r in results)


@pytest.mark.django_db
def test_contact_search_lists_name_prefix_matches_first_then_other_matches_by_name(
    client, sales_user
):
    # given
    CompanyFactory(name="Alpha Martin SA", city="Nice")  # contains 'martin', sorts first
    later = PersonFactory(name="Martine Zola", company=None)
    first = CompanyFactory(name="Martin & Co")
    other = CompanyFactory(name="Beta", city="Saint-Martin")  # city contains 'martin'
    client.force_login(sales_user)
    # when
    results = _search(client, "contacts:contact-search", q="Martin")
    # then: 'MARTIN…' names in name order, then the other matches in name order
    texts = [r["text"] for r in results]
    assert texts[:2] == [str(first), str(later)]
    assert texts[2:] == sorted(texts[2:], key=lambda t: t.split(" ", 1)[1].upper())
    assert str(other) in texts[2:]
    assert len(texts) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["%", "_x", "\U0010ffff", "\ud7ff", "'; --", "é" * 150])
def test_contact_search_takes_any_text(client, sales_user, text):
    # given
    CompanyFactory(name="Plain")
    client.force_login(sales_user)
    # when
    results = _search(client, "contacts:contact-search", q=text)
    # then
    assert results == []


@pytest.mark.django_db
def test_contact_search_finds_by_email_fragment_and_kind(client, sales_user):
    # given
    company = CompanyFactory(name="Initech", email="desk@initech.example")
    person = PersonFactory(name="Peter Gibbons", company=company, email="peter@initech.example")
    PersonFactory(name="Samir Initech")  # another company, name matches
    client.force_login(sales_user)
    # when
    by_email = _search(client, "contacts:contact-search", q="peter@init")
    companies = _search(client, "contacts:contact-search", q="initech", kind="company")
    staff = _search(client, "contacts:contact-search", q="", kind="person", company=company.pk)
    # then
    assert [r["value"] for r in by_email] == [person.pk]
    assert by_email[0]["hint"].startswith("Initech · ")  # company · city
    assert [r["value"] for r in companies] == [company.pk]
    assert [r["value"] for r in staff] == [person.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "factory", "field"),
    [
        ("opportunities:opportunity-search", OpportunityFactory, "description"),
        ("segments:segment-search", SegmentFactory, "description"),
        ("campaigns:campaign-search", CampaignFactory, "description"),
    ],
)
def test_numbered_searches_match_number_prefix_or_description(
    client, sales_user, url_name, factory, field
):
    # given
    wanted = factory(**{field: "Spring fair Lyon"})
    factory(**{field: "Autumn"})
    client.force_login(sales_user)
    # when
    by_text = _search(client, url_name, q="fair ly")
    by_number = _search(client, url_name, q=wanted.number)
    # then
    assert [r["value"] for r in by_text] == [wanted.pk]
    assert wanted.pk in [r["value"] for r in by_number]
    assert by_text[0]["text"] == str(wanted)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    [
        "contacts:contact-search",
        "opportunities:opportunity-search",
        "segments:segment-search",
        "campaigns:campaign-search",
    ],
)
def test_search_needs_login_and_view_permission(client, make_user, url_name):
    # given
    nobody = make_user("nobody")
    # when
    anonymous = client.get(reverse(url_name), {"q": "a"})
    client.force_login(nobody)
    forbidden = client.get(reverse(url_name), {"q": "a"})
    # then
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert forbidden.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [10, 300])
def test_contact_search_queries_are_bounded_at_any_size(
    client, sales_user, django_assert_max_num_queries, rows
):
    # given
    bulk_contacts(rows)
    client.force_login(sales_user)
    # when: session, user, 2 x permissions, name prefix, contains (when the prefix is short)
    with django_assert_max_num_queries(6):
        results = _search(client, "contacts:contact-search", q="bulk")
    # then
    assert len(results) == min(rows, 20)


# -- pages with pickers --------------------------------------------------------------------------

PICKER_PAGES = [
    ("opportunities:opportunity-create", {}),
    ("opportunities:task-create", {}),
    ("interactions:entry-create", {}),
    ("opportunities:activity-assign", {}),
    ("interactions:index", {}),
    ("interactions:delete-canceled", {}),
    ("segments:segment-create", {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "params"), PICKER_PAGES)
def test_pages_with_pickers_stay_small_with_thousands_of_contacts(
    client, admin_user_, url_name, params
):
    """A page with pickers stays far under 500 KB with thousands of contacts."""
    # given
    bulk_contacts(3000)
    client.force_login(admin_user_)
    # when
    response = client.get(reverse(url_name), params)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-search-url=" in html
    assert "Bulk Person" not in html
    assert len(response.content) < 100_000


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "params"), PICKER_PAGES)
def test_pages_with_pickers_do_not_query_more_with_more_contacts(
    client, admin_user_, url_name, params
):
    # given
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_user_)
    client.get(reverse(url_name), params)  # warm caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(url_name), params)
    bulk_contacts(500)
    # when
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(url_name), params)
    # then
    assert response.status_code == 200
    assert len(many) == len(few)


@pytest.mark.django_db
def test_new_opportunity_page_with_a_picked_contact_costs_few_queries(
    client, admin_user_, django_assert_max_num_queries
):
    # given: thousands of contacts, one of them picked through ?contact=
    bulk_contacts(2000)
    picked = PersonFactory(name="Picked Person")
    client.force_login(admin_user_)
    url = reverse("opportunities:opportunity-create")
    client.get(url)  # warm the code-table caches
    # when: session, user, 2 x permissions, salesperson of the user, picked contact,
    # salesperson and sales-cycle choices
    with django_assert_max_num_queries(8):
        response = client.get(url, {"contact": picked.pk})
    # then
    html = response.content.decode()
    assert str(picked) in html
    assert html.count("Bulk Person") == 0
