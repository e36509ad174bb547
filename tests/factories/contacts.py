"""Factories of the contacts area (shared by the contacts engineers).

Factories build rows directly (no services): use them for given-state, and call the services
when the test is about a rule.
"""

import factory

from contacts.models import (
    CommentLine,
    CommentTargetKind,
    Contact,
    ContactAltAddress,
    ContactAltAddressDateRange,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactWebSource,
)
from setup.models import (
    ContactType,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
    OrganizationalLevel,
    WebSource,
)
from tests.factories.setup import BusinessRelationFactory

# -- setup code tables used by contacts (not in tests/factories/setup.py yet) -----------------


class IndustryGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustryGroup
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"IG{n:03d}")


class MailingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailingGroup
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"MG{n:03d}")


class JobResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobResponsibility
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"JR{n:03d}")


class OrganizationalLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationalLevel
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"OL{n:03d}")


class WebSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebSource
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"WS{n:03d}")
    url = "https://x.test/?q=%1"


# -- contacts ----------------------------------------------------------------------------------


class ContactFactory(factory.django.DjangoModelFactory):
    """A company contact (the default type), pointing at itself as CON-4 requires."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"CT{n:06d}")
    type = ContactType.COMPANY
    name = factory.Faker("company")
    search_name = factory.LazyAttribute(lambda o: o.name.upper())
    company_name = factory.LazyAttribute(lambda o: o.name)
    city = factory.Faker("city")
    email = factory.Sequence(lambda n: f"contact{n}@example.test")
    search_email = factory.LazyAttribute(lambda o: o.email.upper())

    @factory.post_generation
    def self_company(obj, create, extracted, **kwargs):
        if create and obj.type == ContactType.COMPANY and obj.company_id is None:
            Contact.objects.filter(pk=obj.pk).update(company=obj.pk)
            obj.company_id = obj.pk


class CompanyFactory(ContactFactory):
    type = ContactType.COMPANY


class PersonFactory(ContactFactory):
    """A person working for a new company (pass ``company=None`` for an independent person)."""

    type = ContactType.PERSON
    first_name = factory.Faker("first_name")
    surname = factory.Faker("last_name")
    name = factory.LazyAttribute(lambda o: f"{o.first_name} {o.surname}")
    company = factory.SubFactory(CompanyFactory)
    company_name = factory.LazyAttribute(lambda o: o.company.name if o.company else "")


class ContactAltAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactAltAddress

    contact = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"ALT{n:03d}")
    address = factory.Faker("street_address")
    city = factory.Faker("city")


class ContactAltAddressDateRangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactAltAddressDateRange

    alt_address = factory.SubFactory(ContactAltAddressFactory)
    contact = factory.SelfAttribute("alt_address.contact")
    starting_date = factory.Faker("date_object")


class ContactBusinessRelationFactory(factory.django.DjangoModelFactory):
    """A plain (not linked) business relation row."""

    class Meta:
        model = ContactBusinessRelation

    contact = factory.SubFactory(CompanyFactory)
    business_relation = factory.SubFactory(BusinessRelationFactory)


class ContactIndustryGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactIndustryGroup

    contact = factory.SubFactory(CompanyFactory)
    industry_group = factory.SubFactory(IndustryGroupFactory)


class ContactMailingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactMailingGroup

    contact = factory.SubFactory(CompanyFactory)
    mailing_group = factory.SubFactory(MailingGroupFactory)


class ContactJobResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactJobResponsibility

    contact = factory.SubFactory(PersonFactory)
    job_responsibility = factory.SubFactory(JobResponsibilityFactory)


class ContactWebSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactWebSource

    contact = factory.SubFactory(CompanyFactory)
    web_source = factory.SubFactory(WebSourceFactory)
    search_word = "Acme Ltd"


class CommentLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommentLine

    target_kind = CommentTargetKind.CONTACT
    target_id = factory.LazyFunction(lambda: CompanyFactory().pk)
    line_no = factory.Sequence(lambda n: (n + 1) * 10000)
    comment = factory.Faker("sentence", nb_words=4)
