"""Profiles and classification (SPEC 9): manual answers, the classification job, ratings."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contacts.models import ContactProfileAnswer, RatingPoint
from contacts.profiles import (
    MSG_LOOP,
    contact_classification_update,
    contact_profile_answer_add,
    contact_profile_answer_remove,
    contact_value_source,
    profile_question_create,
    questionnaire_test,
)
from crm.models import BulkJob
from crm.services import bulk_job_create
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.profiles import (
    ProfileAnswerFactory,
    ProfileQuestionFactory,
    ProfileQuestionnaireFactory,
    customer_company,
    sale,
)

pytestmark = pytest.mark.django_db

RUN = dt.date(2025, 6, 30)


def run_job(questionnaire=None) -> BulkJob:
    job = bulk_job_create(
        kind="contact_classification_update",
        params={
            "run_date": RUN.isoformat(),
            "questionnaire_id": questionnaire.pk if questionnaire else None,
        },
    )
    contact_classification_update(job_id=job.pk)
    job.refresh_from_db()
    return job


def answers_of(contact, question) -> list[str]:
    return sorted(
        ContactProfileAnswer.objects.filter(contact=contact, question=question).values_list(
            "answer__text", flat=True
        )
    )


def automatic(questionnaire, **fields):
    return ProfileQuestionFactory(
        questionnaire=questionnaire,
        is_automatic=True,
        starting_date_formula="-1Y+1D",
        ending_date_formula="0D",
        classification_method=fields.pop("classification_method", "defined_value"),
        **fields,
    )


# -- manual answers ---------------------------------------------------------------------------


def test_p1_second_answer_refused_on_single_answer_question():
    """P-1: a second answer to a single-answer question is refused; a multiple-answer
    question accepts it."""
    contact = CompanyFactory()
    single = ProfileQuestionFactory()
    a1, a2 = ProfileAnswerFactory.create_batch(2, question=single)
    multi = ProfileQuestionFactory(questionnaire=single.questionnaire, allows_multiple_answers=True)
    m1, m2 = ProfileAnswerFactory.create_batch(2, question=multi)
    contact_profile_answer_add(contact=contact, answer=a1)
    with pytest.raises(ValidationError, match="accepts only one answer"):
        contact_profile_answer_add(contact=contact, answer=a2)
    contact_profile_answer_add(contact=contact, answer=m1)
    contact_profile_answer_add(contact=contact, answer=m2)
    assert answers_of(contact, multi) == sorted([m1.text, m2.text])
    assert answers_of(contact, single) == [a1.text]


def test_p2_automatic_answers_cannot_be_entered_by_hand():
    """P-2: answers to automatic questions cannot be entered by hand (PRF-4, PRF-13)."""
    contact = CompanyFactory()
    question = automatic(ProfileQuestionnaireFactory(), customer_field="sales")
    answer = ProfileAnswerFactory(question=question, from_value=1)
    with pytest.raises(ValidationError, match="set by the classification job only"):
        contact_profile_answer_add(contact=contact, answer=answer)
    assert not ContactProfileAnswer.objects.exists()


def test_c51_answering_for_a_minor_is_refused():
    """C-51: answering a questionnaire for a minor is refused (CON-53)."""
    minor = PersonFactory(is_minor=True, is_privacy_blocked=True)
    answer = ProfileAnswerFactory()
    with pytest.raises(ValidationError, match="cannot be applied to the minor"):
        contact_profile_answer_add(contact=minor, answer=answer)
    assert not ContactProfileAnswer.objects.exists()


def test_prf5_contact_type_and_business_relation_must_fit():
    """PRF-5: a companies questionnaire refuses persons; a relation restricts companies."""
    person = PersonFactory()
    for_companies = ProfileQuestionnaireFactory(contact_type="companies")
    answer = ProfileAnswerFactory(question=ProfileQuestionFactory(questionnaire=for_companies))
    with pytest.raises(ValidationError, match="does not apply"):
        contact_profile_answer_add(contact=person, answer=answer)
    customers_only = ProfileQuestionnaireFactory(
        business_relation=customer_company("C9").business_relations.get().business_relation
    )
    other = ProfileAnswerFactory(question=ProfileQuestionFactory(questionnaire=customers_only))
    with pytest.raises(ValidationError, match="business relation"):
        contact_profile_answer_add(contact=CompanyFactory(), answer=other)
    linked = customer_company("C10")
    contact_profile_answer_add(contact=PersonFactory(company=linked), answer=other)


def test_prf3_ending_formula_before_starting_refused():
    """PRF-3: the ending date must not be before the starting date; PRF-2 defaults."""
    questionnaire = ProfileQuestionnaireFactory()
    with pytest.raises(ValidationError, match="ending date formula must not give"):
        profile_question_create(
            questionnaire=questionnaire,
            data={
                "text": "Sales",
                "is_automatic": True,
                "customer_field": "sales",
                "starting_date_formula": "0D",
                "ending_date_formula": "-1M",
            },
        )
    question = profile_question_create(
        questionnaire=questionnaire,
        data={
            "text": "Sales",
            "is_automatic": True,
            "customer_field": "sales",
            "starting_date_formula": "-1Y",
            "ending_date_formula": "0D",
        },
    )
    assert question.classification_method == "defined_value"


# -- classification -----------------------------------------------------------------------------


def test_p3_abc_classification_end_to_end():
    """P-3: ABC on sales, defined value: 600,000 / 250,000 / 50,000 give A / B / C."""
    questionnaire = ProfileQuestionnaireFactory(code="ABC")
    question = automatic(questionnaire, text="ABC classification", customer_field="sales")
    ProfileAnswerFactory(question=question, text="A", from_value=Decimal("500000"))
    ProfileAnswerFactory(
        question=question, text="B", from_value=Decimal("100000"), to_value=Decimal("499999.99")
    )
    ProfileAnswerFactory(question=question, text="C", to_value=Decimal("99999.99"))
    big, mid, small = (customer_company(n) for n in ("C1", "C2", "C3"))
    sale("C1", Decimal("400000"), posting_date=dt.date(2025, 1, 10), document="I1")
    sale("C1", Decimal("200000"), posting_date=dt.date(2025, 2, 10), document="I2")
    sale("C2", Decimal("250000"), posting_date=dt.date(2025, 3, 10), document="I3")
    sale("C3", Decimal("50000"), posting_date=dt.date(2025, 4, 10), document="I4")
    sale("C3", Decimal("900000"), posting_date=dt.date(2020, 4, 10), document="OLD")  # outside
    employee = PersonFactory(company=big)

    job = run_job(questionnaire)

    assert job.status == "succeeded", job.error
    assert answers_of(big, question) == ["A"]
    assert answers_of(mid, question) == ["B"]
    assert answers_of(small, question) == ["C"]
    assert answers_of(employee, question) == ["A"]  # PRF-11: persons of the company too
    # Idempotent: a second run gives the same rows.
    run_job(questionnaire)
    assert ContactProfileAnswer.objects.filter(question=question).count() == 4


def test_p5_average_overdue_days():
    """P-5: two paid invoices, 10 days late and 0 days late, average 5 overdue days."""
    questionnaire = ProfileQuestionnaireFactory(contact_type="companies")
    question = automatic(questionnaire, customer_field="avg_overdue_days")
    five = ProfileAnswerFactory(question=question, text="5", from_value=5, to_value=5)
    company = customer_company("C20")
    due = dt.date(2025, 3, 1)
    sale(
        "C20",
        100,
        posting_date=dt.date(2025, 2, 1),
        document="I1",
        due_date=due,
        paid_on=due + dt.timedelta(days=10),
    )
    sale(
        "C20",
        50,
        posting_date=dt.date(2025, 2, 1),
        document="I1",
        due_date=due,
        paid_on=due + dt.timedelta(days=10),
    )  # second line of the same invoice
    sale("C20", 100, posting_date=dt.date(2025, 2, 2), document="I2", due_date=due, paid_on=due)
    sale("C20", 100, posting_date=dt.date(2025, 2, 3), document="I3", due_date=due)  # unpaid

    run_job(questionnaire)

    assert answers_of(company, question) == [five.text]


def test_p7_percentage_of_contacts_top_quarter():
    """P-7: percentage of contacts, descending, 4 contacts, answer 0-25: only the
    highest-valued contact gets it."""
    questionnaire = ProfileQuestionnaireFactory(contact_type="companies")
    question = automatic(
        questionnaire,
        customer_field="sales",
        classification_method="percentage_of_contacts",
        sorting="descending",
    )
    ProfileAnswerFactory(question=question, text="Top", from_value=0, to_value=25)
    companies = [customer_company(f"K{i}") for i in range(4)]
    for i, amount in enumerate([100, 400, 300, 200]):
        sale(f"K{i}", amount, posting_date=dt.date(2025, 5, 1), document=f"D{i}")

    run_job(questionnaire)

    holders = ContactProfileAnswer.objects.filter(question=question)
    assert list(holders.values_list("contact_id", flat=True)) == [companies[1].pk]


def test_percentage_of_value_shares():
    """PRF-11: percentage of value gives each contact its share of the total."""
    questionnaire = ProfileQuestionnaireFactory(contact_type="companies")
    question = automatic(
        questionnaire,
        customer_field="sales",
        classification_method="percentage_of_value",
        sorting="descending",
    )
    ProfileAnswerFactory(question=question, text="Big", from_value=50, to_value=100)
    big, small = customer_company("V1"), customer_company("V2")
    sale("V1", 300, posting_date=dt.date(2025, 5, 1))
    sale("V2", 100, posting_date=dt.date(2025, 5, 1))
    run_job(questionnaire)
    assert answers_of(big, question) == ["Big"]
    assert answers_of(small, question) == []


def test_p8_answer_with_both_bounds_zero_never_matches():
    """P-8: an answer with from = 0 and to = 0 never matches (PRF-11)."""
    questionnaire = ProfileQuestionnaireFactory(contact_type="companies")
    question = automatic(questionnaire, customer_field="sales")
    ProfileAnswerFactory(question=question, text="Never", from_value=0, to_value=0)
    ProfileAnswerFactory(question=question, text="Zero or less", to_value=Decimal("0.01"))
    company = customer_company("Z1")  # no sales: value 0
    run_job(questionnaire)
    assert answers_of(company, question) == ["Zero or less"]


def test_contact_field_interaction_quantity_uses_company_scope():
    """PRF-10: interaction quantity counts counted interactions in contact scope."""
    from tests.factories.interactions import InteractionLogEntryFactory

    questionnaire = ProfileQuestionnaireFactory(contact_type="companies")
    question = automatic(questionnaire, contact_field="interaction_quantity")
    ProfileAnswerFactory(question=question, text="Two+", from_value=2)
    company = CompanyFactory()
    person = PersonFactory(company=company)
    InteractionLogEntryFactory(contact=person, date=dt.date(2025, 5, 1))
    InteractionLogEntryFactory(contact=company, date=dt.date(2025, 5, 2))
    InteractionLogEntryFactory(contact=company, date=dt.date(2025, 5, 3), is_canceled=True)
    quiet = CompanyFactory()
    InteractionLogEntryFactory(contact=quiet, date=dt.date(2025, 5, 3))
    run_job(questionnaire)
    assert answers_of(company, question) == ["Two+"]
    assert answers_of(quiet, question) == []


def test_contact_field_opportunity_won_percent_uses_company_scope():
    """PRF-10: opportunities won % = won / (won + lost) active entries closing in the period;
    the figure comes from the source opportunities registers (contacts cannot import it)."""
    from opportunities.models import OpportunityEntry
    from opportunities.profile_sources import OPPORTUNITY_VALUES
    from tests.factories.opportunities import OpportunityFactory

    assert contact_value_source("opportunity_won_percent") is OPPORTUNITY_VALUES
    questionnaire = ProfileQuestionnaireFactory(contact_type="companies")
    question = automatic(questionnaire, contact_field="opportunity_won_percent")
    ProfileAnswerFactory(question=question, text="Winner", from_value=60)
    ProfileAnswerFactory(question=question, text="Loser", from_value=Decimal("0.01"), to_value=59)
    winner, loser = CompanyFactory(), CompanyFactory()

    def entry(company, action, closes=dt.date(2025, 5, 1)):
        opportunity = OpportunityFactory(contact=company)
        OpportunityEntry.objects.create(
            opportunity=opportunity,
            sales_cycle=opportunity.sales_cycle,
            stage=1,
            contact=company,
            contact_company=company,
            salesperson=opportunity.salesperson,
            date_of_change=closes,
            action_taken=action,
            estimated_close_date=closes,
        )

    for action in ("won", "won", "lost"):
        entry(winner, action)
    entry(winner, "lost", closes=dt.date(2020, 1, 1))  # outside the period
    entry(winner, "next")  # still open: not counted
    entry(loser, "won")
    entry(loser, "lost")
    entry(loser, "lost")
    run_job(questionnaire)
    assert answers_of(winner, question) == ["Winner"]  # 2 of 3 = 66.7 %
    assert answers_of(loser, question) == ["Loser"]  # 1 of 3


# -- ratings -------------------------------------------------------------------------------------


def rating_setup(min_answered=Decimal(0)):
    questionnaire = ProfileQuestionnaireFactory()
    size = ProfileQuestionFactory(questionnaire=questionnaire, text="Size")
    small, large = (ProfileAnswerFactory(question=size, text=t) for t in ("Small", "Large"))
    loyal = ProfileQuestionFactory(questionnaire=questionnaire, text="Loyal")
    yes, no = (ProfileAnswerFactory(question=loyal, text=t) for t in ("Yes", "No"))
    rating = ProfileQuestionFactory(
        questionnaire=questionnaire,
        text="Rating",
        is_automatic=True,
        contact_field="rating",
        classification_method="defined_value",
        min_answered_percent=min_answered,
    )
    for answer, points in ((small, 1), (large, 5), (yes, 3), (no, 0)):
        RatingPoint.objects.create(rating_question=rating, answer=answer, points=points)
    low = ProfileAnswerFactory(question=rating, text="Low", from_value=Decimal("0.5"), to_value=4)
    high = ProfileAnswerFactory(question=rating, text="High", from_value=5)
    return questionnaire, rating, {"small": small, "large": large, "yes": yes, "no": no}, low, high


def test_p4_rating_sums_points_and_honours_minimum():
    """P-4: a rating sums the points of the answers held and gives the rating answer whose
    range holds the total, only when the answered share >= the minimum (PRF-12)."""
    questionnaire, rating, answers, _low, _high = rating_setup(min_answered=Decimal(100))
    both = CompanyFactory()
    half = CompanyFactory()
    contact_profile_answer_add(contact=both, answer=answers["large"])
    contact_profile_answer_add(contact=both, answer=answers["yes"])
    contact_profile_answer_add(contact=half, answer=answers["large"])

    run_job(questionnaire)

    assert answers_of(both, rating) == ["High"]  # 5 + 3 = 8
    assert answers_of(half, rating) == []  # 50 % answered < 100 %
    row = ContactProfileAnswer.objects.get(contact=both, question=rating)
    assert row.answered_percent == 100


def test_prf4_manual_answer_recomputes_ratings_immediately():
    """PRF-4/12: inserting or deleting an answer with rating points recomputes at once."""
    _questionnaire, rating, answers, _low, _high = rating_setup()
    contact = CompanyFactory()
    contact_profile_answer_add(contact=contact, answer=answers["small"])
    assert answers_of(contact, rating) == ["Low"]
    contact_profile_answer_add(contact=contact, answer=answers["yes"])
    assert answers_of(contact, rating) == ["Low"]  # 1 + 3 = 4
    contact_profile_answer_remove(contact=contact, answer=answers["small"])
    contact_profile_answer_add(contact=contact, answer=answers["large"])
    assert answers_of(contact, rating) == ["High"]


def test_p6_ratings_in_a_loop_fail_the_job():
    """P-6: two rating questions depending on each other make the job fail with the loop
    message (PRF-12)."""
    questionnaire = ProfileQuestionnaireFactory()
    r1, r2 = (
        ProfileQuestionFactory(
            questionnaire=questionnaire,
            is_automatic=True,
            contact_field="rating",
            classification_method="defined_value",
        )
        for _ in range(2)
    )
    a1 = ProfileAnswerFactory(question=r1, from_value=1)
    a2 = ProfileAnswerFactory(question=r2, from_value=1)
    RatingPoint.objects.create(rating_question=r1, answer=a2, points=1)
    RatingPoint.objects.create(rating_question=r2, answer=a1, points=1)

    job = run_job(questionnaire)

    assert job.status == "failed"
    assert job.error == str(MSG_LOOP)


def test_ratings_leaf_first():
    """PRF-12: a rating fed by another rating waits until that one is done."""
    questionnaire, rating, answers, _low, high = rating_setup()
    top = ProfileQuestionFactory(
        questionnaire=questionnaire,
        position=1,  # listed first, computed last
        is_automatic=True,
        contact_field="rating",
        classification_method="defined_value",
    )
    RatingPoint.objects.create(rating_question=top, answer=high, points=10)
    star = ProfileAnswerFactory(question=top, text="Star", from_value=10)
    contact = CompanyFactory()
    contact_profile_answer_add(contact=contact, answer=answers["large"])
    ContactProfileAnswer.objects.filter(question__in=[rating, top]).delete()

    job = run_job(questionnaire)

    assert job.status == "succeeded", job.error
    assert answers_of(contact, top) == [star.text]


def test_questionnaire_test_lists_setup_problems():
    """SPEC 9.4: the questionnaire test lists questions without answers, overlaps…"""
    questionnaire = ProfileQuestionnaireFactory()
    ProfileQuestionFactory(questionnaire=questionnaire, text="Empty")
    question = automatic(questionnaire, customer_field="sales")
    ProfileAnswerFactory(question=question, text="X", from_value=1, to_value=10)
    ProfileAnswerFactory(question=question, text="Y", from_value=5, to_value=20)
    problems = [p["problem"] for p in questionnaire_test(questionnaire=questionnaire)]
    assert "The question has no answers." in problems
    assert any("overlap" in p for p in problems)


def test_classification_sql_names_no_higher_app():
    """STYLE §2: contacts' classification SQL knows no table of a higher app; interactions and
    opportunities register their figures (PRF-10) instead."""
    import inspect

    from contacts import profiles

    source = inspect.getsource(profiles)
    for app in ("interactions", "opportunities", "segments", "campaigns"):
        assert f"{app}_" not in source and f'"{app}.' not in source
    assert "apps.get_model" not in source
    assert contact_value_source("interaction_quantity") is not None
