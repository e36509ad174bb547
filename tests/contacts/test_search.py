"""Fragment search: one search document, the phone's digits, plans that stay on the trigram
indexes whatever the planner statistics (bench/README.md, Contacts)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.filters import ContactFilterSet
from contacts.models import Contact
from contacts.selectors import (
    contact_list,
    contact_search,
    phone_fragment_digits,
    search_match_count,
)
from crm.sql import column, concrete_columns, table
from tests.factories.contacts import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db

STALE_ROWS = 20_000


def _search(text: str) -> set[Contact]:
    return set(ContactFilterSet({"q": text}, queryset=contact_list(user=None)).qs)


def test_phone_fragment_with_spaces_dots_or_dashes_finds_the_phone():
    # given a company whose phone is written with spaces, and others
    target = CompanyFactory(name="Target", phone="+33 1 19 99 31")
    CompanyFactory(name="Other", phone="+33 1 19 98 31")
    CompanyFactory(name="Third", phone="01.23.45.67.89")
    # when / then: any separator (or none) between the digits finds it
    for text in ("19 99 3", "19.99.3", "19-99-3", "1999 3", "19993", "(1) 19 99 31"):
        assert _search(text) == {target}, text


def test_phone_digits_do_not_widen_a_text_search():
    # given
    CompanyFactory(name="Acme", phone="+33 1 19 99 31")
    # then a fragment with letters or under three digits is no phone fragment
    assert phone_fragment_digits("19 ab") == ""
    assert phone_fragment_digits("1 9") == ""
    assert phone_fragment_digits("19.99.3") == "19993"
    assert _search("1 9 9 9 3 x") == set()


def test_email_fragment_and_the_other_fields_match_inside_one_field():
    # given
    by_email = PersonFactory(name="Jane Roe", email="jane.quaggaroe@mail.example")
    by_city = CompanyFactory(name="Works", city="Zebrugge")
    by_company = PersonFactory(name="John Doe", company_name="Zebra Holdings")
    # then each field matches, case-insensitively
    assert _search("aggaroe@ma") == {by_email}
    assert _search("zebr") == {by_city, by_company}
    # and a fragment never spans two fields (name "Works" + city "Zebrugge")
    assert _search("workszeb") == set()
    assert _search("works zeb") == set()


def test_search_page_costs_at_most_four_queries(client, sales_user, django_assert_max_num_queries):
    # given
    CompanyFactory(name="Acme", phone="+33 1 19 99 31")
    client.force_login(sales_user)
    url = reverse("contacts:contact-list")
    client.get(url, {"q": "acme"}, HTTP_HX_REQUEST="true")  # session and permissions warm
    # when
    with django_assert_max_num_queries(4):
        response = client.get(url, {"q": "19.99.3"}, HTTP_HX_REQUEST="true")
    # then
    assert [c.name for c in response.context["object_list"]] == ["Acme"]


def _bulk_load_without_statistics(template: Contact, count: int) -> None:
    """``count`` copies of ``template`` with distinct names, e-mails and phones, in one
    INSERT … SELECT, on a table whose statistics were taken before (autovacuum off: they stay
    stale)."""
    varied = {
        "number": "'ST' || g",
        "name": "'Stale ' || g",
        "search_name": "'STALE ' || g",
        "email": "'stale' || g || '@bulk.example'",
        "phone": "'+33 2 ' || substr(lpad(g::text, 6, '0'), 1, 2) || ' ' "
        "|| substr(lpad(g::text, 6, '0'), 3, 2) || ' ' || substr(lpad(g::text, 6, '0'), 5, 2)",
    }
    fields = [
        f
        for f in concrete_columns(Contact)
        if not f.generated and f.name not in ("company",)  # a company of its own: none
    ]
    names = ", ".join(column(Contact, f.name) for f in fields)
    values = ", ".join(varied.get(f.name, column(Contact, f.name, alias="c")) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(Contact)} ({names}) SELECT {values} "  # noqa: S608 (identifiers from crm.sql)
            f"FROM {table(Contact)} c, generate_series(1, %s) g WHERE c.id = %s",
            [count, template.pk],
        )


def _page_plan(client, text: str) -> str:
    """EXPLAIN of the list page's statements for a search (those reading contacts)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("contacts:contact-list"), {"q": text}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    statements = [q["sql"] for q in ctx.captured_queries if "search_document" in q["sql"]]
    assert len(statements) == 3  # the count of matches (capped), the page's ids, its rows
    plans = []
    for sql in statements:
        plans.append(_explain(sql))
    return "\n".join(plans)


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        # 20,000 rows fit in a few hundred pages, where a sequential scan is honestly the
        # cheapest plan; at a million it is not. Rule it out (for this transaction) to ask
        # the question that matters: walk the sorted covering index, or the trigram bitmap?
        cursor.execute("SET LOCAL enable_seqscan = off")
        # The match count is a statement list (its plan settings, the count, the settings
        # put back): explain its SELECT under its own settings.
        statements = sql.split("; ")
        select = next(i for i, statement in enumerate(statements) if statement.startswith("SELECT"))
        for statement in statements[:select]:
            cursor.execute(statement)
        cursor.execute(f"EXPLAIN {statements[select]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for statement in statements[select + 1 :]:
            cursor.execute(statement)
        return plan


def test_rare_phone_and_email_fragments_stay_on_the_trigram_indexes_with_stale_statistics(
    client, sales_user
):
    # given statistics taken on a handful of rows, then 20,000 rows loaded without ANALYZE
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table(Contact)} SET (autovacuum_enabled = false)")
    template = CompanyFactory(name="Template", phone="+33 1 00 00 00", email="t@x.example")
    CompanyFactory.create_batch(5)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table(Contact)}")
    _bulk_load_without_statistics(template, STALE_ROWS)
    client.force_login(sales_user)
    # when the page searches a rare phone fragment and a rare e-mail fragment
    phone_plan = _page_plan(client, "01.23.4")
    email_plan = _page_plan(client, "stale1234@")
    # then both read the trigram indexes (a bitmap of the matches), never walk the sort index
    assert "contact_phone_digits_trgm_idx" in phone_plan
    assert "contact_search_doc_trgm_idx" in phone_plan
    assert "contact_search_doc_trgm_idx" in email_plan
    for plan in (phone_plan, email_plan):
        assert "Bitmap Index Scan" in plan
        # never a walk of the sort index (a bitmap over it, the planner's stand-in for the
        # switched-off sequential scan at 20,000 rows, is no walk)
        assert "Scan using contact_search_sort_idx" not in plan
        assert "Seq Scan on contacts_contact" not in plan
    # and the answers are right
    assert {c.email for c in _search("stale1234@")} == {"stale1234@bulk.example"}
    expected = {"+33 2 00 12 34"} | {f"+33 2 01 23 4{d}" for d in range(10)}
    assert {c.phone for c in _search("01.23.4")} == expected


@pytest.mark.parametrize("in_memory", [0, 2, 5000])
def test_search_pages_are_the_same_whether_sorted_in_memory_or_on_the_index(
    client, sales_user, monkeypatch, in_memory
):
    """Few matches are sorted in memory, many walk the sort index: same pages either way."""
    from contacts.views import ContactListView

    monkeypatch.setattr("contacts.selectors.SEARCH_SORT_IN_MEMORY", in_memory)
    monkeypatch.setattr(ContactListView, "paginate_by", 3)
    for i in range(7):
        PersonFactory(name=f"Quokka {6 - i}", city="Rennes")
    PersonFactory(name="Nobody")
    client.force_login(sales_user)
    seen = []
    for number in (1, 2, 3):
        response = client.get(
            reverse("contacts:contact-list"), {"q": "quokka", "page": number, "o": "-name"}
        )
        seen += [c.name for c in response.context["page_obj"].object_list]
    assert seen == [f"Quokka {i}" for i in range(6, -1, -1)]


def test_the_match_count_reads_the_trigram_bitmap_even_when_the_planner_expects_many():
    """The probe that picks the page's plan is itself planned one way only: on a LIKE the
    planner guesses that 5 % of the table matches, and with a LIMIT it chose a sequential scan
    that was to stop soon ('dumo': 114,000 rows read at a million contacts)."""
    # given 20,000 contacts, fresh statistics, and a fragment that 300 of them hold
    template = CompanyFactory(name="Template", phone="+33 1 00 00 00", email="t@x.example")
    _bulk_load_without_statistics(template, STALE_ROWS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(Contact)} SET {column(Contact, 'city')} = 'Dumonville' "  # noqa: S608 (identifiers from crm.sql)
            f"WHERE {column(Contact, 'id')} % 64 = 0"
        )
        cursor.execute(f"ANALYZE {table(Contact)}")
    queryset = contact_search(Contact.objects.all(), "dumo")
    plans = []

    def explain_the_count(execute, sql, params, many, context):
        if "SELECT count(*) AS n FROM (" in sql:  # the probe: explain it with its own settings
            explained = sql.replace(
                "SELECT count(*) AS n FROM (", "EXPLAIN SELECT count(*) AS n FROM ("
            )
            with context["connection"].connection.cursor() as cursor:
                cursor.execute(explained)
                while cursor.description is None or cursor.description[0].name != "QUERY PLAN":
                    assert cursor.nextset()
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    # when
    with connection.execute_wrapper(explain_the_count):
        count = search_match_count(queryset, 1000)
    # then the count is right and came from the trigram bitmap
    assert count == queryset.count() >= STALE_ROWS // 64
    assert len(plans) == 1
    assert "Bitmap Index Scan on contact_search_doc_trgm_idx" in plans[0]
    assert "Seq Scan" not in plans[0]
    # and the plan settings are back for the rest of the (test's) transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


def test_the_picker_reads_other_matches_from_the_trigram_bitmap_and_sorts_them_by_name():
    """The picker's second read (contacts containing the text, after those starting with it)
    is planned on the trigram bitmap only, so the planner's 5 % guess for a LIKE cannot turn
    it into a sequential scan; its rows come back sorted by name."""
    from contacts.pickers import contact_picker_search

    # given
    starting = CompanyFactory(name="Garcia Holdings")
    # one employer with a fixed name: a generated company name ("Johnson, Garcia and White")
    # would itself match the text
    employer = CompanyFactory(name="Unrelated")
    inside = [
        PersonFactory(name=f"{first} Garcia", company=employer) for first in ("Zoe", "Anna", "Mia")
    ]
    by_email = PersonFactory(name="Bob Martin", email="bob.garcia@mail.example", company=employer)
    # when
    with CaptureQueriesContext(connection) as ctx:
        found = contact_picker_search(text="garcia")
    # then
    assert found[0] == starting
    assert found[1:] == sorted([*inside, by_email], key=lambda c: (c.search_name, c.pk))
    bitmap_only = [q["sql"] for q in ctx.captured_queries if "SET LOCAL enable_seqscan" in q["sql"]]
    assert len(bitmap_only) == 1 and "search_document" in bitmap_only[0]
