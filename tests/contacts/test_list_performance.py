"""List page at scale: deep pages, search bounds, filter form (bench/README.md targets)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.filters import ContactFilterSet
from contacts.selectors import NoCountPaginator, contact_list
from tests.factories.contacts import PersonFactory
from tests.factories.setup import CountryFactory

pytestmark = pytest.mark.django_db


def _listed(params):
    return ContactFilterSet(params, queryset=contact_list(user=None)).qs


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_deep_page_deferred_join_gives_the_same_rows(monkeypatch, number):
    """A deep page reads ids past the offset, then the rows by pk: same rows, same order."""
    # given 14 persons sorted by city (ties on city, broken by id)
    for i in range(14):
        PersonFactory(city=f"City {i % 3}")
    qs = _listed({"o": "city"})
    expected_page = NoCountPaginator(qs, 4).page(number)
    expected = list(expected_page.object_list)
    # when every page uses the deferred join
    monkeypatch.setattr("contacts.selectors.DEFERRED_JOIN_OFFSET", 0)
    with CaptureQueriesContext(connection) as ctx:
        page = NoCountPaginator(qs, 4).page(number)
    # then the same rows in the same order, in one statement with an id subquery
    assert [c.pk for c in page.object_list] == [c.pk for c in expected]
    assert page.has_next() == expected_page.has_next()
    assert len(ctx.captured_queries) == 1
    assert "IN (SELECT" in ctx.captured_queries[0]["sql"]


def test_deep_page_deferred_join_keeps_filters(monkeypatch):
    # given persons in two cities
    for i in range(6):
        PersonFactory(city="Lyon" if i % 2 else "Paris")
    monkeypatch.setattr("contacts.selectors.DEFERRED_JOIN_OFFSET", 0)
    # when
    page = NoCountPaginator(_listed({"city": "Lyon", "o": "-city"}), 2).page(2)
    # then
    assert [c.city for c in page.object_list] == ["Lyon"]
    assert not page.has_next()


def test_filter_form_renders_selected_choices_in_one_loop(
    client, sales_user, django_assert_max_num_queries
):
    """The filter form keeps its htmx attributes and selected values; ≤ 12 queries."""
    # given
    country = CountryFactory(code="FR", description="France")
    PersonFactory(country=country)
    client.force_login(sales_user)
    # when
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("contacts:contact-list"), {"country": country.pk, "type": "person"}
        )
    # then
    html = response.content.decode()
    assert 'id="contact-filters"' in html
    assert 'hx-get=""' in html and 'hx-target="#results"' in html
    assert f'<option value="{country.pk}" selected>FR ' in html
    assert '<option value="person" selected>' in html
    assert 'class="form-select form-select-sm"' in html


@pytest.mark.parametrize("order", ["", "city", "-city", "name", "last_modified_at"])
def test_keyset_pages_walk_the_whole_list_in_order(client, sales_user, monkeypatch, order):
    """?after=<value>,<id> pages give every row once, in the list's order (ties by id)."""
    # given 9 persons over 3 cities, 4 rows per page
    for i in range(9):
        PersonFactory(city=f"City {i % 3}", name=f"Person {i % 4}")
    monkeypatch.setattr("contacts.views.ContactListView.paginate_by", 4)
    client.force_login(sales_user)
    params = {"o": order} if order else {}
    url = reverse("contacts:contact-list")
    expected = [c.pk for c in _listed(params)]
    # when following the "Next" bookmarks
    seen, after = [], None
    for _ in range(10):
        response = client.get(url, {**params, **({"after": after} if after else {})})
        page = response.context["page_obj"]
        seen += [c.pk for c in page.object_list]
        after = page.next_after
        if not after:
            break
        assert 'rel="next"' in response.content.decode()
    # then
    assert seen == expected


def test_keyset_bad_bookmark_gives_an_empty_page(client, sales_user):
    PersonFactory()
    client.force_login(sales_user)
    response = client.get(reverse("contacts:contact-list"), {"after": "no-id-here"})
    assert response.status_code == 200
    assert list(response.context["page_obj"].object_list) == []


def test_sort_links_and_filter_form_drop_the_bookmark(client, sales_user):
    # given a keyset page
    PersonFactory(city="Lyon")
    client.force_login(sales_user)
    # when
    html = client.get(reverse("contacts:contact-list"), {"o": "city", "after": "A,1"}).content
    # then sorting or filtering starts from the top again
    html = html.decode()
    assert 'name="after"' not in html
    assert 'href="?o=-city"' in html  # the sort link starts over
    assert 'rel="prev"' not in html


def test_search_pages_read_ids_first_and_give_the_same_rows(client, make_user, monkeypatch):
    """A search counts its matches (up to SEARCH_SORT_IN_MEMORY), reads the page's ids from the
    trigram bitmap, then the rows by pk."""
    from contacts.views import ContactListView

    monkeypatch.setattr(ContactListView, "paginate_by", 5)
    for i in range(7):
        PersonFactory(name=f"Zetaplex {i:02d}", city="Rennes")
        PersonFactory(name=f"Other {i:02d}", email=f"zetaplex{i}@mail.test")
    PersonFactory(name="Nobody", city="Brest")
    client.force_login(make_user("searcher", groups=["Sales"]))
    url = reverse("contacts:contact-list")
    expected = list(
        _listed({"q": "zetaplex"}).values_list("pk", flat=True).order_by("search_name", "id")
    )
    seen = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(
                url, {"q": "zetaplex", "page": number}, headers={"HX-Request": "true"}
            )
        page = response.context["page_obj"]
        seen += [c.pk for c in page.object_list]
        listing = [q["sql"] for q in ctx.captured_queries if "contacts_contact" in q["sql"]]
        probe, ids, rows = listing
        assert "ORDER BY" not in probe
        # the page's ids sorted in memory, planned on the trigram bitmap only
        assert "SET LOCAL enable_indexscan = off" in ids and "COALESCE" in ids
        assert "IN (SELECT" not in rows and '"id" IN (' in rows
    assert seen == expected and len(seen) == 14
