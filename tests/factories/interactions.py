"""Factories of the interactions area; contacts come from tests/factories/contacts.py."""

from decimal import Decimal

import factory
from django.db import connection
from django.utils import timezone

from contacts.models import Contact
from interactions.models import (
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from tests.factories.contacts import CompanyFactory, ContactFactory, PersonFactory
from tests.factories.setup import LanguageFactory, SalespersonFactory

__all__ = [
    "CompanyFactory",
    "ContactFactory",
    "InteractionGroupFactory",
    "InteractionLogEntryFactory",
    "InteractionTemplateFactory",
    "InteractionTemplateLanguageFactory",
    "LanguageFactory",
    "PersonFactory",
    "SalespersonFactory",
    "contacts_generate",
]


class InteractionGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InteractionGroup
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"GRP{n:03d}")
    description = factory.LazyAttribute(lambda o: f"Group {o.code}")


class InteractionTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InteractionTemplate
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"TPL{n:03d}")
    description = factory.LazyAttribute(lambda o: f"Template {o.code}")
    group = factory.SubFactory(InteractionGroupFactory)
    unit_cost = Decimal("12.50")
    unit_duration_min = Decimal("15")
    information_flow = "outbound"
    initiated_by = "us"
    correspondence_type = ""


class InteractionTemplateLanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InteractionTemplateLanguage

    template = factory.SubFactory(InteractionTemplateFactory)
    language = factory.SubFactory(LanguageFactory)
    email_subject = "Hello"


class InteractionLogEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InteractionLogEntry

    contact = factory.SubFactory(CompanyFactory)
    contact_company = factory.LazyAttribute(
        lambda o: o.contact.company if o.contact and o.contact.company_id else o.contact
    )
    template = factory.SubFactory(InteractionTemplateFactory)
    group = factory.SelfAttribute("template.group")
    salesperson = factory.SubFactory(SalespersonFactory)
    date = factory.LazyFunction(timezone.localdate)
    description = "Call"
    cost = Decimal("10")
    duration_min = Decimal("5")
    initiated_by = "us"


def contacts_generate(count: int, *, prefix: str = "GEN") -> tuple[int, int]:
    """Insert ``count`` company contacts set-based (generate_series); returns (min id, max id).

    Every column not given gets its model default, so the statement follows the model.
    """
    explicit = {
        "number": "%s || lpad(g::text, 9, '0')",
        "type": "'company'",
        "name": "'Company ' || g",
        "search_name": "'COMPANY ' || g",
        "company_name": "'Company ' || g",
        "email": "'c' || g || '@example.test'",
        "search_email": "'C' || g || '@EXAMPLE.TEST'",
        "created_at": "now()",
        "updated_at": "now()",
        "last_modified_at": "now()",
    }
    columns, expressions, params = [], [], []
    for field in Contact._meta.concrete_fields:
        if field.primary_key or field.generated or field.attname == "company_id":
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in explicit:
            expressions.append(explicit[field.attname])
            if field.attname == "number":
                params.append(prefix)
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    table = Contact._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH ins AS (INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(expressions)} FROM generate_series(1, %s) g RETURNING id) "
            "SELECT min(id), max(id) FROM ins",
            [*params, count],
        )
        low, high = cursor.fetchone()
        cursor.execute(
            f"UPDATE {table} SET company_id = id WHERE id BETWEEN %s AND %s",  # noqa: S608
            [low, high],
        )
    return low, high
