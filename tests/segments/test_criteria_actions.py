import datetime as dt

import pytest

from segments.models import SegmentHistory
from segments.services import segment_criteria_apply, segment_go_back
from setup.models import LinkType
from tests.factories.contacts import (
    CompanyFactory,
    ContactBusinessRelationFactory,
    ContactIndustryGroupFactory,
    ContactJobResponsibilityFactory,
    ContactMailingGroupFactory,
    IndustryGroupFactory,
    JobResponsibilityFactory,
    MailingGroupFactory,
    PersonFactory,
)
from tests.factories.setup import BusinessRelationFactory

pytestmark = pytest.mark.django_db


def contacts_of(segment):
    return set(segment.lines.values_list("contact_id", flat=True))


def add(segment, filters=None, **options):
    return segment_criteria_apply(segment=segment, action="add", options=options, filters=filters)


def test_sg2_job_responsibility_adds_exactly_its_holders(new_segment):
    """SG-2: add with job responsibility PURCHASE adds exactly the persons holding it."""
    purchase = JobResponsibilityFactory(code="PURCHASE")
    holders = [PersonFactory() for _ in range(3)]
    for person in holders:
        ContactJobResponsibilityFactory(contact=person, job_responsibility=purchase)
    PersonFactory()  # without it
    segment = new_segment()
    _action, count = add(
        segment,
        {"job_responsibility": {"job_responsibility": {"op": "in", "values": ["purchase"]}}},
    )
    assert count == 3
    assert contacts_of(segment) == {p.pk for p in holders}
    assert segment.lines.count() == 3


def test_sg3_same_add_twice_adds_no_duplicates(new_segment):
    """SG-3: running the same add twice without "allow existing" adds nothing the second time."""
    companies = [CompanyFactory(city="Lyon") for _ in range(2)]
    segment = new_segment()
    filters = {"contact": {"city": {"op": "pattern", "value": "ly*"}}}
    assert add(segment, filters)[1] == 2
    assert add(segment, filters)[1] == 0
    assert segment.lines.count() == 2
    assert add(segment, filters, allow_existing_contacts=True)[1] == 2
    assert contacts_of(segment) == {c.pk for c in companies}


def test_sg4_excluded_contacts_only_with_ignore_exclusion(new_segment):
    """SG-4: "exclude from segment" contacts are added only with "ignore exclusion"."""
    excluded = CompanyFactory(city="Nice", exclude_from_segment=True)
    normal = CompanyFactory(city="Nice")
    segment = new_segment()
    filters = {"contact": {"city": {"op": "in", "values": ["Nice"]}}}
    add(segment, filters)
    assert contacts_of(segment) == {normal.pk}
    add(segment, filters, ignore_exclusion=True)
    assert contacts_of(segment) == {normal.pk, excluded.pk}


def test_sg5_expand_companies_and_related_companies(new_segment):
    """SG-5: expand companies adds the persons; allow related companies adds the employer."""
    company = CompanyFactory(city="Brest")
    persons = [PersonFactory(company=company, city="Paris") for _ in range(2)]
    other = CompanyFactory(city="Caen")
    worker = PersonFactory(company=other, city="Brest")
    segment = new_segment()
    add(segment, {"contact": {"city": {"op": "in", "values": ["Brest"]}}}, expand_companies=True)
    assert contacts_of(segment) == {company.pk, worker.pk, *(p.pk for p in persons)}
    segment2 = new_segment()
    add(
        segment2,
        {
            "contact": {
                "city": {"op": "in", "values": ["Brest"]},
                "type": {"op": "in", "values": ["person"]},
            }
        },
        allow_related_companies=True,
    )
    assert contacts_of(segment2) == {worker.pk, other.pk}


def test_sg6_industry_and_mailing_group_both_required(new_segment):
    """SG-6: industry group X plus mailing group Y adds only contacts satisfying both."""
    x, y = IndustryGroupFactory(code="X"), MailingGroupFactory(code="Y")
    both, only_x, only_y = CompanyFactory(), CompanyFactory(), CompanyFactory()
    for c in (both, only_x):
        ContactIndustryGroupFactory(contact=c, industry_group=x)
    for c in (both, only_y):
        ContactMailingGroupFactory(contact=c, mailing_group=y)
    person = PersonFactory(company=both)  # industry group of its company counts
    ContactMailingGroupFactory(contact=person, mailing_group=y)
    segment = new_segment()
    add(
        segment,
        {
            "industry_group": {"industry_group": {"op": "in", "values": ["X"]}},
            "mailing_group": {"mailing_group": {"op": "in", "values": ["Y"]}},
        },
    )
    assert contacts_of(segment) == {both.pk, person.pk}


def _sales_history(**fields):
    from contacts.models import SalesHistoryLine

    fields.setdefault("posting_date", dt.date(2025, 3, 1))
    return SalesHistoryLine.objects.create(**fields)


def test_sg7_sales_history_adds_linked_customers(new_segment):
    """SG-7: item + posting date filter adds the companies whose linked customer number has
    matching sales-history lines."""
    cust = BusinessRelationFactory(code="CUST")
    buyer, other, no_link = CompanyFactory(), CompanyFactory(), CompanyFactory()
    ContactBusinessRelationFactory(
        contact=buyer, business_relation=cust, link_type=LinkType.CUSTOMER, external_number="C1"
    )
    ContactBusinessRelationFactory(
        contact=other, business_relation=cust, link_type=LinkType.CUSTOMER, external_number="C2"
    )
    ContactBusinessRelationFactory(contact=no_link, business_relation=cust)
    _sales_history(link_type="customer", external_number="C1", item_code="BIKE")
    _sales_history(
        link_type="customer",
        external_number="C2",
        item_code="BIKE",
        posting_date=dt.date(2020, 1, 1),
    )
    _sales_history(link_type="customer", external_number="C2", item_code="LAMP")
    segment = new_segment()
    add(
        segment,
        {
            "business_relation": {
                "business_relation": {"op": "in", "values": ["CUST"]},
                "sales_history": {
                    "item_code": {"op": "in", "values": ["BIKE"]},
                    "posting_date": {"op": "range", "from": "2025-01-01", "to": "2025-12-31"},
                },
            }
        },
    )
    assert contacts_of(segment) == {buyer.pk}


def test_sg30_person_added_only_when_named_on_a_line(new_segment):
    """SG-30: with sales-history filters a person is added only if a matching line names it."""
    cust = BusinessRelationFactory(code="CUST")
    company = CompanyFactory()
    ContactBusinessRelationFactory(
        contact=company, business_relation=cust, link_type=LinkType.CUSTOMER, external_number="C9"
    )
    named, unnamed = PersonFactory(company=company), PersonFactory(company=company)
    _sales_history(link_type="customer", external_number="C9", item_code="BIKE")
    _sales_history(contact=named, item_code="BIKE")
    segment = new_segment()
    add(
        segment,
        {
            "business_relation": {
                "business_relation": {"op": "in", "values": ["CUST"]},
                "sales_history": {"item_code": {"op": "in", "values": ["BIKE"]}},
            }
        },
    )
    assert contacts_of(segment) == {company.pk, named.pk}
    assert unnamed.pk not in contacts_of(segment)


def test_sg8_reduce_on_business_relation(new_segment):
    """SG-8: after reduce on CUST no line remains whose contact (or its company) has CUST."""
    cust = BusinessRelationFactory(code="CUST")
    customer = CompanyFactory(city="Metz")
    employee = PersonFactory(company=customer, city="Metz")
    prospect = CompanyFactory(city="Metz")
    ContactBusinessRelationFactory(contact=customer, business_relation=cust)
    segment = new_segment()
    add(segment, {"contact": {"city": {"op": "in", "values": ["Metz"]}}})
    _action, removed = segment_criteria_apply(
        segment=segment,
        action="reduce",
        filters={"business_relation": {"business_relation": {"op": "in", "values": ["CUST"]}}},
    )
    assert removed == 2
    assert contacts_of(segment) == {prospect.pk}
    assert employee.pk not in contacts_of(segment)


def test_sg9_refine_keeps_only_matches(new_segment):
    """SG-9: refine keeps only lines whose contact matches."""
    a, b, c = (
        CompanyFactory(post_code="1000"),
        CompanyFactory(post_code="2000"),
        CompanyFactory(post_code="3000"),
    )
    segment = new_segment()
    add(segment)  # no filters: all contacts
    assert contacts_of(segment) == {a.pk, b.pk, c.pk}
    segment_criteria_apply(
        segment=segment,
        action="refine",
        filters={"contact": {"post_code": {"op": "range", "from": "1500", "to": "3500"}}},
    )
    assert contacts_of(segment) == {b.pk, c.pk}


def test_sg10_entire_companies(new_segment):
    """SG-10: entire companies extends reduce/refine to all persons of matched companies."""
    company = CompanyFactory(name="Acme")
    persons = [PersonFactory(company=company, name=f"P{i}") for i in range(2)]
    other = CompanyFactory(name="Zeta")
    segment = new_segment()
    add(segment)
    name_acme = {"contact": {"name": {"op": "in", "values": ["Acme"]}}}
    seg2 = new_segment()
    add(seg2)
    segment_criteria_apply(segment=segment, action="reduce", filters=name_acme)
    assert contacts_of(segment) == {other.pk, *(p.pk for p in persons)}
    segment_go_back(segment=segment)
    segment_criteria_apply(
        segment=segment, action="reduce", filters=name_acme, options={"entire_companies": True}
    )
    assert contacts_of(segment) == {other.pk}
    segment_criteria_apply(
        segment=seg2, action="refine", filters=name_acme, options={"entire_companies": True}
    )
    assert contacts_of(seg2) == {company.pk, *(p.pk for p in persons)}


def test_sg11_each_action_counted_and_described(new_segment):
    """SG-11: each add/reduce/refine increments the action count and is listed with filters."""
    from segments.criteria import filters_summary

    CompanyFactory(city="Lille")
    segment = new_segment()
    add(segment, {"contact": {"city": {"op": "pattern", "value": "Li*"}}})
    segment_criteria_apply(segment=segment, action="reduce", filters={})
    segment_criteria_apply(
        segment=segment, action="refine", filters={"contact": {"email": {}}} if False else {}
    )
    actions = list(segment.criteria_actions.order_by("position"))
    assert [a.action for a in actions] == ["add", "reduce", "refine"]
    assert [a.position for a in actions] == [1, 2, 3]
    assert actions[0].filter_count == 1
    assert filters_summary(actions[0].filters) == ["Contact: city matches Li*"]


def test_sg12_go_back_restores_exactly_and_repeats(new_segment):
    """SG-12: Go back restores removed lines / removes added ones; repeatable."""
    from crm.exceptions import ApplicationError

    a, b = CompanyFactory(city="Vannes"), CompanyFactory(city="Rennes")
    segment = new_segment()
    add(segment, {"contact": {"city": {"op": "in", "values": ["Vannes"]}}})
    add(segment, {"contact": {"city": {"op": "in", "values": ["Rennes"]}}})
    before = list(segment.lines.order_by("line_no").values_list("line_no", "contact_id"))
    assert before == [(10_000, a.pk), (20_000, b.pk)]
    segment_criteria_apply(segment=segment, action="reduce", filters={})
    assert segment.lines.count() == 0
    segment_go_back(segment=segment)
    assert list(segment.lines.order_by("line_no").values_list("line_no", "contact_id")) == before
    assert segment.criteria_actions.count() == 2
    segment_go_back(segment=segment)
    assert contacts_of(segment) == {a.pk}
    segment_go_back(segment=segment)
    assert segment.lines.count() == 0
    assert not SegmentHistory.objects.filter(segment=segment).exists()
    with pytest.raises(ApplicationError, match="nothing to undo"):
        segment_go_back(segment=segment)


def test_sg21_line_numbers_ordered_by_company_then_type_then_name(new_segment):
    """SEG-21: steps of 10,000 ordered by company name, number, type (company first), name."""
    beta = CompanyFactory(name="Beta", city="Dole")
    alpha = CompanyFactory(name="Alpha", city="Dole")
    zed = PersonFactory(company=alpha, name="Zed", city="Dole")
    amy = PersonFactory(company=alpha, name="Amy", city="Dole")
    segment = new_segment()
    add(segment, {"contact": {"city": {"op": "in", "values": ["Dole"]}}})
    assert list(segment.lines.order_by("line_no").values_list("line_no", "contact_id")) == [
        (10_000, alpha.pk),
        (20_000, amy.pk),
        (30_000, zed.pk),
        (40_000, beta.pk),
    ]


def test_sg29_privacy_blocked_never_added(new_segment):
    """SG-29 (add part): a privacy-blocked contact, or a person of a blocked company, is never
    added, even with ignore exclusion and allow existing."""
    blocked = CompanyFactory(city="Albi", is_privacy_blocked=True)
    person = PersonFactory(company=blocked, city="Albi")
    ok = CompanyFactory(city="Albi")
    segment = new_segment()
    add(
        segment,
        {"contact": {"city": {"op": "in", "values": ["Albi"]}}},
        ignore_exclusion=True,
        allow_existing_contacts=True,
        expand_companies=True,
    )
    assert contacts_of(segment) == {ok.pk}
    assert person.pk not in contacts_of(segment)


def test_sg11_summaries_in_french():
    """SG-11: actions are listed in words in the French UI too."""
    from django.utils import translation

    from segments.criteria import filters_summary

    filters = {
        "contact": {"post_code": {"op": "range", "from": "1000", "to": "2000"}},
        "mailing_group": {"mailing_group": {"op": "in", "values": ["NEWS", "XMAS"]}},
    }
    with translation.override("fr"):
        contact, groups = filters_summary(filters)
    assert contact == "Contact: code postal de 1000 à 2000"
    assert groups.endswith(": groupe de diffusion est NEWS, XMAS")
    assert filters_summary({}) == ["All contacts (no filters)"]


def test_profile_answer_section(new_segment):
    """SPEC 5.2 profile_answer: a contact holding a matching answer of the questionnaire."""
    from contacts.models import ContactProfileAnswer
    from tests.factories.profiles import ProfileAnswerFactory

    answer = ProfileAnswerFactory(text="Large", question__questionnaire__code="SIZE")
    other = ProfileAnswerFactory(text="Small", question=answer.question)
    large, small = CompanyFactory(), CompanyFactory()
    for contact, chosen in ((large, answer), (small, other)):
        ContactProfileAnswer.objects.create(
            contact=contact, answer=chosen, question=chosen.question
        )
    segment = new_segment()
    add(
        segment,
        {
            "profile_answer": {
                "questionnaire": {"op": "in", "values": ["size"]},
                "answer": {"op": "pattern", "value": "lar*"},
            }
        },
    )
    assert contacts_of(segment) == {large.pk}


def test_reduce_and_go_back_delete_the_language_rows_of_the_lines_they_delete(new_segment):
    """Line-level language rows (no database FK) go with their line in the same statement."""
    from segments.models import SegmentInteractionLanguage
    from tests.factories.setup import LanguageFactory

    kept = CompanyFactory(city="Nancy")
    CompanyFactory(city="Toul")
    segment = new_segment()
    add(segment, {"contact": {"city": {"op": "in", "values": ["Nancy", "Toul"]}}})
    language = LanguageFactory()
    for line in segment.lines.all():
        SegmentInteractionLanguage.objects.create(segment=segment, line=line, language=language)
    segment_criteria_apply(
        segment=segment,
        action="reduce",
        filters={"contact": {"city": {"op": "in", "values": ["Toul"]}}},
    )
    rows = SegmentInteractionLanguage.objects.filter(segment=segment)
    assert set(rows.values_list("line__contact_id", flat=True)) == {kept.pk}
    assert rows.count() == 1
    segment_go_back(segment=segment)  # the reduce: the line comes back, its languages do not
    segment_go_back(segment=segment)  # the add: every line and line language goes
    assert not segment.lines.exists()
    assert not SegmentInteractionLanguage.objects.filter(segment=segment).exists()
