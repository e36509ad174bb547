"""Factories of profiles and classification (SPEC 9)."""

import factory

from contacts.models import (
    ContactBusinessRelation,
    ProfileAnswer,
    ProfileQuestion,
    ProfileQuestionnaire,
    SalesHistoryLine,
)
from setup.models import LinkType
from tests.factories.contacts import CompanyFactory
from tests.factories.setup import BusinessRelationFactory


class ProfileQuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfileQuestionnaire

    code = factory.Sequence(lambda n: f"PQ{n:04d}")
    description = factory.Sequence(lambda n: f"Questionnaire {n}")


class ProfileQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfileQuestion

    questionnaire = factory.SubFactory(ProfileQuestionnaireFactory)
    position = factory.Sequence(lambda n: (n + 1) * 10)
    text = factory.Sequence(lambda n: f"Question {n}")


class ProfileAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfileAnswer

    question = factory.SubFactory(ProfileQuestionFactory)
    position = factory.Sequence(lambda n: (n + 1) * 10)
    text = factory.Sequence(lambda n: f"Answer {n}")


def customer_company(number: str, **kwargs):
    """A company linked to customer ``number`` in the business system."""
    company = CompanyFactory(**kwargs)
    ContactBusinessRelation.objects.create(
        contact=company,
        business_relation=BusinessRelationFactory(code="CUST"),
        link_type=LinkType.CUSTOMER,
        external_number=number,
    )
    return company


def sale(number: str, amount, *, posting_date, document: str = "", **kwargs) -> SalesHistoryLine:
    return SalesHistoryLine.objects.create(
        entry_kind="sale",
        link_type="customer",
        external_number=number,
        posting_date=posting_date,
        document_number=document,
        amount=amount,
        **kwargs,
    )
